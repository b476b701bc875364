package transmute_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	transmute "github.com/transmute-dev/transmute-go"
	"github.com/transmute-dev/transmute-go/option"
)

func TestJobsLifecycle(t *testing.T) {
	jobs := keyClient().Jobs
	job, err := jobs.CreateAndWait(ctx(t), transmute.JobCreate{From: transmute.Csv, To: transmute.Ndjson, Input: "name\nAda\nGrace\n"})
	must(t, err)
	if job.Status != transmute.JobStatusSucceeded || job.Result.Records.MustGet() != 2 {
		t.Fatalf("job %+v", job)
	}
	retrieved, err := jobs.Retrieve(ctx(t), job.Id)
	must(t, err)
	if retrieved.Id != job.Id || retrieved.Status != transmute.JobStatusSucceeded || retrieved.FinishedAt.IsNull() {
		t.Fatalf("retrieved %+v", retrieved)
	}
	output, err := jobs.GetResult(ctx(t), job.Id)
	must(t, err)
	if string(output) != "{\"name\":\"Ada\"}\n{\"name\":\"Grace\"}\n" {
		t.Fatalf("result %q", output)
	}
	// A finished job's stream sends its final status event, then closes.
	events, err := jobs.StreamEvents(ctx(t), job.Id)
	must(t, err)
	if !strings.Contains(string(events), "event: status\n") || !strings.Contains(string(events), `"status":"succeeded"`) {
		t.Fatalf("event stream %q", events)
	}
	succeeded, err := jobs.List(ctx(t), transmute.ListJobsParams{Status: transmute.Ptr(transmute.JobStatusSucceeded), Limit: transmute.Ptr[transmute.Limit](100)})
	must(t, err)
	for _, listed := range succeeded.Data {
		if listed.Status != transmute.JobStatusSucceeded {
			t.Fatalf("status filter let through %+v", listed)
		}
	}
	if !slices.ContainsFunc(succeeded.Data, func(listed transmute.Job) bool { return listed.Id == job.Id }) {
		t.Fatalf("listJobs does not list %s", job.Id)
	}
}

// A job canceled right after it was created: canceled, unless a worker finished it first, which
// the spec answers with 409 E1401.
func TestJobsCancel(t *testing.T) {
	jobs := keyClient().Jobs
	job, err := jobs.Create(ctx(t), transmute.JobCreate{From: transmute.Json, To: transmute.Csv, Input: `[{"a":1},{"a":2}]`})
	must(t, err)
	if job.Status != transmute.JobStatusQueued {
		t.Fatalf("a new job is %s", job.Status)
	}
	// 409 is retried by default (it is also the answer to a request still in flight); the job's
	// finished state will not change, so this call asks once.
	canceled, err := jobs.Cancel(ctx(t), job.Id, option.WithMaxRetries(0))
	var apiErr *transmute.Error
	switch {
	case errors.As(err, &apiErr):
		wantError(t, err, 409, "E1401")
	case err != nil:
		t.Fatal(err)
	case canceled.Status != transmute.JobStatusCanceled:
		t.Fatalf("canceled job is %s", canceled.Status)
	}
}
