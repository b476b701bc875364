package transmute_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	transmute "github.com/transmute-dev/transmute-go"
	"github.com/transmute-dev/transmute-go/option"
)

// TestErrorConformance replays sdks/conformance/errors.json: Go has one *transmute.Error for every
// class of the other SDKs, carrying the same fields.
func TestErrorConformance(t *testing.T) {
	var file struct {
		Vectors []struct {
			Name    string            `json:"name"`
			Status  int               `json:"status"`
			Headers map[string]string `json:"headers"`
			Body    json.RawMessage   `json:"body"`
			Expect  struct {
				Status    int                    `json:"status"`
				Code      *string                `json:"code"`
				Title     *string                `json:"title"`
				Detail    *string                `json:"detail"`
				RequestID string                 `json:"request_id"`
				Errors    []transmute.FieldError `json:"errors"`
			} `json:"expect"`
		} `json:"vectors"`
	}
	readVectors(t, "errors.json", &file)
	for _, v := range file.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			body := []byte(v.Body)
			var text string
			if json.Unmarshal(v.Body, &text) == nil {
				body = []byte(text)
			}
			client := fakeServer(t, func(w http.ResponseWriter, r *http.Request) {
				for name, value := range v.Headers {
					w.Header().Set(name, value)
				}
				w.WriteHeader(v.Status)
				_, _ = w.Write(body)
			}, option.WithMaxRetries(0))
			_, err := client.Jobs.Retrieve(context.Background(), "job_1")
			var apiErr *transmute.Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("want *transmute.Error, got %T %v", err, err)
			}
			deref := func(s *string) string {
				if s == nil {
					return ""
				}
				return *s
			}
			want := v.Expect
			if apiErr.StatusCode != want.Status || apiErr.Code != deref(want.Code) || apiErr.Title != deref(want.Title) || apiErr.Detail != deref(want.Detail) || apiErr.RequestID != want.RequestID {
				t.Fatalf("got %+v, want %+v", apiErr, want)
			}
			if len(apiErr.Errors) != len(want.Errors) || (len(want.Errors) > 0 && !reflect.DeepEqual(apiErr.Errors, want.Errors)) {
				t.Fatalf("errors %+v, want %+v", apiErr.Errors, want.Errors)
			}
			if string(apiErr.Body) != string(body) || apiErr.Header.Get("X-Request-Id") != v.Headers["x-request-id"] {
				t.Fatalf("raw body or header not kept")
			}
		})
	}
}

// TestPaginationConformance replays sdks/conformance/pagination.json through List and ListAutoPaging.
func TestPaginationConformance(t *testing.T) {
	var file struct {
		Vectors []struct {
			Name  string `json:"name"`
			Pages []struct {
				RequestCursor *string         `json:"request_cursor"`
				Body          json.RawMessage `json:"body"`
			} `json:"pages"`
			Items []string `json:"items"`
		} `json:"vectors"`
	}
	readVectors(t, "pagination.json", &file)
	for _, v := range file.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			client := fakeServer(t, func(w http.ResponseWriter, r *http.Request) {
				for _, page := range v.Pages {
					cursor, sent := r.URL.Query()["cursor"]
					if (page.RequestCursor == nil && !sent) || (page.RequestCursor != nil && sent && cursor[0] == *page.RequestCursor) {
						w.Header().Set("Content-Type", "application/json")
						_, _ = w.Write(page.Body)
						return
					}
				}
				t.Errorf("unexpected request %s", r.URL)
				w.WriteHeader(404)
			})
			ctx := context.Background()
			var auto []string
			iter := client.Jobs.ListAutoPaging(ctx, transmute.ListJobsParams{})
			for iter.Next() {
				auto = append(auto, iter.Current().Id)
			}
			if err := iter.Err(); err != nil {
				t.Fatal(err)
			}
			var paged []string
			page, err := client.Jobs.List(ctx, transmute.ListJobsParams{})
			first := page
			for ; err == nil && page != nil; page, err = page.GetNextPage(ctx) {
				for _, job := range page.Data {
					paged = append(paged, job.Id)
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(auto, ",") != strings.Join(v.Items, ",") || strings.Join(paged, ",") != strings.Join(v.Items, ",") {
				t.Fatalf("auto %v, paged %v, want %v", auto, paged, v.Items)
			}
			// Fields the SDK does not know stay reachable through the raw page.
			if string(first.RawJSON()) != string(v.Pages[0].Body) {
				t.Fatalf("raw page %s, want %s", first.RawJSON(), v.Pages[0].Body)
			}
		})
	}
}
