package transmute_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	transmute "github.com/transmute-dev/transmute-go"
)

// SDK.md: models keep what a newer server adds. A field and an enum value this SDK does not know
// survive decoding, in nested models and list items too, and are written back when the model is
// encoded again (a PUT of what a GET returned loses nothing).
func TestUnknownFieldsAndEnumValuesAreKept(t *testing.T) {
	job := `{"id":"job_1","status":"paused_by_a_future_version","from":"csv","to":"json","progress":0,"attempts":0,` +
		`"input_bytes":3,"created_at":"2026-09-21T12:53:20Z","options":{"header":true,"quote_style":"all"},"priority":"high"}`
	client := fakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/jobs" {
			_, _ = w.Write([]byte(`{"data":[` + job + `],"next_cursor":null,"total_estimate":1}`))
			return
		}
		_, _ = w.Write([]byte(job))
	})
	retrieved, err := client.Jobs.Retrieve(context.Background(), "job_1")
	must(t, err)
	page, err := client.Jobs.List(context.Background(), transmute.ListJobsParams{})
	must(t, err)
	if len(page.Data) != 1 || !strings.Contains(string(page.RawJSON()), `"total_estimate":1`) {
		t.Fatalf("page %+v", page)
	}
	for _, decoded := range []transmute.Job{*retrieved, page.Data[0]} {
		if decoded.Status != "paused_by_a_future_version" || decoded.Status.Valid() || decoded.Id != "job_1" {
			t.Fatalf("status %q (valid %v), id %q", decoded.Status, decoded.Status.Valid(), decoded.Id)
		}
		if priority, found := decoded.Get("priority"); !found || priority != "high" {
			t.Fatalf("unknown field: %v %v", priority, found)
		}
		if decoded.Options.AdditionalProperties["quote_style"] != "all" || decoded.Options.Header == nil || !*decoded.Options.Header {
			t.Fatalf("nested model %+v", decoded.Options)
		}
		encoded, err := json.Marshal(decoded)
		must(t, err)
		for _, field := range []string{`"priority":"high"`, `"quote_style":"all"`, `"status":"paused_by_a_future_version"`} {
			if !strings.Contains(string(encoded), field) {
				t.Fatalf("re-encoded job lost %s: %s", field, encoded)
			}
		}
	}
}

// An operation answering different models by status (getDataExport: 202 the pending export, 200
// the archive) sets the field of the status it got.
func TestAnswersByStatus(t *testing.T) {
	var ready atomic.Bool
	client := fakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		if !ready.Load() {
			w.WriteHeader(http.StatusAccepted)
			_, _ = w.Write([]byte(`{"id":"exp_1","status":"running","created_at":"2026-11-28T12:00:00Z","finished_at":null,"expires_at":null}`))
			return
		}
		_, _ = w.Write([]byte(`{"format_version":1,"generated_at":"2026-11-28T12:00:05Z","account":{"id":"acct_1","email":"ada@example.com"}}`))
	})
	pending, err := client.Me.GetDataExport(context.Background(), "exp_1")
	must(t, err)
	if pending.DataExportArchive != nil || pending.DataExport == nil || pending.DataExport.Status != transmute.DataExportStatusRunning {
		t.Fatalf("202 gave %+v", pending)
	}
	ready.Store(true)
	done, err := client.Me.GetDataExport(context.Background(), "exp_1")
	must(t, err)
	if done.DataExport != nil || done.DataExportArchive == nil || done.DataExportArchive.Account.Email != "ada@example.com" {
		t.Fatalf("200 gave %+v", done)
	}
}
