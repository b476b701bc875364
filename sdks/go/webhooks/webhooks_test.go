package webhooks_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/transmute-dev/transmute-go/webhooks"
)

// TestConformance replays sdks/conformance/webhooks.json.
func TestConformance(t *testing.T) {
	data, err := os.ReadFile("../../conformance/webhooks.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		ToleranceSeconds int `json:"tolerance_seconds"`
		Vectors          []struct {
			Name    string            `json:"name"`
			Secrets []string          `json:"secrets"`
			Payload string            `json:"payload"`
			Headers map[string]string `json:"headers"`
			Now     int64             `json:"now"`
			Valid   bool              `json:"valid"`
		} `json:"vectors"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	if webhooks.Tolerance != time.Duration(file.ToleranceSeconds)*time.Second {
		t.Fatalf("Tolerance %v, vectors say %d s", webhooks.Tolerance, file.ToleranceSeconds)
	}
	for _, v := range file.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			header := http.Header{}
			for name, value := range v.Headers {
				header.Set(name, value)
			}
			event, err := webhooks.VerifyAt([]byte(v.Payload), header, time.Unix(v.Now, 0), v.Secrets...)
			if v.Valid {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				if event.Id == "" || event.Type == "" {
					t.Fatalf("event not parsed: %+v", event)
				}
				unwrapped, err := webhooks.UnwrapAt([]byte(v.Payload), header, time.Unix(v.Now, 0), v.Secrets...)
				if err != nil || unwrapped.Id != event.Id || unwrapped.Type != event.Type {
					t.Fatalf("Unwrap gave %+v, %v; Verify gave %+v", unwrapped, err, event)
				}
				return
			}
			if !errors.Is(err, webhooks.ErrVerification) {
				t.Fatalf("want ErrVerification, got %v", err)
			}
			if _, err := webhooks.UnwrapAt([]byte(v.Payload), header, time.Unix(v.Now, 0), v.Secrets...); !errors.Is(err, webhooks.ErrVerification) {
				t.Fatalf("Unwrap: want ErrVerification, got %v", err)
			}
		})
	}
}
