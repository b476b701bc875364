package transmute_test

import (
	"errors"
	"slices"
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
	if events := streamedEvents(t, job.Id); len(events) != 1 || events[0].Event != "status" || events[0].Data.Status != transmute.JobStatusSucceeded {
		t.Fatalf("a finished job's events %+v", events)
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

// A job followed from its creation: progress events as it changes, then one status event with its
// final state, then the server ends the stream.
func TestJobsStreamEvents(t *testing.T) {
	job, err := keyClient().Jobs.Create(ctx(t), transmute.JobCreate{From: transmute.Csv, To: transmute.Json, Input: "name\nAda\nGrace\n"})
	must(t, err)
	events := streamedEvents(t, job.Id)
	if len(events) == 0 {
		t.Fatal("the stream ended without an event")
	}
	for i, event := range events {
		final := i == len(events)-1
		if event.ID == "" || event.Data.Id != job.Id || (event.Event == "status") != final {
			t.Fatalf("event %d of %d: %+v", i+1, len(events), event)
		}
	}
	if last := events[len(events)-1]; !slices.Contains([]transmute.JobStatus{transmute.JobStatusSucceeded, transmute.JobStatusFailed}, last.Data.Status) {
		t.Fatalf("the status event says %s", last.Data.Status)
	}
}

// streamedEvents follows a job's events until the server ends the stream.
func streamedEvents(t *testing.T, id string) []transmute.JobEvent {
	t.Helper()
	stream, err := keyClient().Jobs.StreamEvents(ctx(t), id)
	must(t, err)
	events, err := drainEvents(stream)
	must(t, err)
	return events
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
