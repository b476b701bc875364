package transmute_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	transmute "github.com/transmute-dev/transmute-go"
)

type waitBounds struct {
	MinMs float64 `json:"min_ms"`
	MaxMs float64 `json:"max_ms"`
}

type jobAnswer struct {
	Status  string            `json:"status"`
	Headers map[string]string `json:"headers"`
}

// TestCreateAndWaitConformance replays sdks/conformance/jobs-wait.json: the polling schedule, the
// hints it honours, the deadline and cancellation, measured at a fake server.
func TestCreateAndWaitConformance(t *testing.T) {
	var file struct {
		Runs []struct {
			Name           string      `json:"name"`
			PollIntervalMs int         `json:"poll_interval_ms"`
			DeadlineMs     int         `json:"deadline_ms"`
			Create         jobAnswer   `json:"create"`
			Polls          []jobAnswer `json:"polls"`
			CancelAtPoll   int         `json:"cancel_at_poll"`
			Expect         struct {
				Outcome string       `json:"outcome"`
				Polls   *int         `json:"polls"`
				Pauses  []waitBounds `json:"pauses"`
				Elapsed *waitBounds  `json:"elapsed"`
			} `json:"expect"`
		} `json:"runs"`
	}
	readVectors(t, "jobs-wait.json", &file)
	for _, run := range file.Runs {
		t.Run(run.Name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if run.DeadlineMs > 0 {
				ctx, cancel = context.WithTimeout(ctx, time.Duration(run.DeadlineMs)*time.Millisecond)
				defer cancel()
			}
			var mu sync.Mutex
			var arrivals []time.Time
			client := fakeServer(t, func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				arrivals = append(arrivals, time.Now())
				polls := len(arrivals) - 1
				mu.Unlock()
				answer, status := run.Create, http.StatusAccepted
				if polls > 0 {
					answer, status = run.Polls[min(polls, len(run.Polls))-1], http.StatusOK
				}
				if polls == run.CancelAtPoll && polls > 0 {
					cancel()
				}
				for name, value := range answer.Headers {
					w.Header().Set(name, value)
				}
				w.WriteHeader(status)
				_, _ = w.Write([]byte(strings.Replace(jobBody, `"queued"`, `"`+answer.Status+`"`, 1)))
			})
			started := time.Now()
			job, err := transmute.CreateAndWaitFrom(client.Jobs, ctx, newJob(), time.Duration(run.PollIntervalMs)*time.Millisecond, nil)
			elapsed := time.Since(started)
			outcome := ""
			switch {
			case err == nil:
				outcome = string(job.Status)
			case errors.Is(err, transmute.ErrTimeout):
				outcome = "timeout"
			case errors.Is(err, context.Canceled):
				outcome = "canceled"
			default:
				t.Fatalf("unexpected error %v", err)
			}
			if outcome != run.Expect.Outcome {
				t.Fatalf("outcome %s, want %s", outcome, run.Expect.Outcome)
			}
			if b := run.Expect.Elapsed; b != nil {
				within(t, "elapsed", elapsed, *b)
			}
			mu.Lock()
			defer mu.Unlock()
			if run.Expect.Polls != nil && len(arrivals)-1 != *run.Expect.Polls {
				t.Fatalf("%d polls, want %d", len(arrivals)-1, *run.Expect.Polls)
			}
			for i, b := range run.Expect.Pauses {
				within(t, "pause", arrivals[i+1].Sub(arrivals[i]), b)
			}
		})
	}
}

func within(t *testing.T, what string, d time.Duration, b waitBounds) {
	t.Helper()
	ms := float64(d) / float64(time.Millisecond)
	// Timers may fire up to a millisecond before the clock shows the full wait.
	if ms < b.MinMs-1 || ms > b.MaxMs {
		t.Errorf("%s: %.1f ms not in [%v, %v]", what, ms, b.MinMs, b.MaxMs)
	}
}
