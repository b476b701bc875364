package transmute

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/transmute-dev/transmute-go/internal/apierror"
	"github.com/transmute-dev/transmute-go/internal/retry"
	"github.com/transmute-dev/transmute-go/option"
)

const (
	// DefaultJobWaitDeadline bounds [JobsService.CreateAndWait] when ctx has no deadline of its own.
	DefaultJobWaitDeadline = 10 * time.Minute
	firstPoll              = 500 * time.Millisecond
	maxPoll                = 5 * time.Second
)

// CreateAndWait creates a job and polls it until it succeeds, fails or is canceled, and returns the
// final job. Polls start 500 ms apart and grow ×1.5 up to 5 s; a Retry-After-Ms or Retry-After of at
// most 60 s on the job's answer sets the next wait instead. It stops with [ErrTimeout] at ctx's
// deadline (default [DefaultJobWaitDeadline]) and with ctx.Err() when ctx is canceled. opts apply
// to every call it makes.
func (s *JobsService) CreateAndWait(ctx context.Context, params JobCreate, opts ...option.RequestOption) (*Job, error) {
	return s.createAndWait(ctx, params, firstPoll, opts)
}

func (s *JobsService) createAndWait(ctx context.Context, params JobCreate, interval time.Duration, opts []option.RequestOption) (*Job, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultJobWaitDeadline)
		defer cancel()
	}
	var response *http.Response
	job, err := s.Create(ctx, params, append(opts, option.WithResponseInto(&response))...)
	for err == nil && !finished(job.Status) {
		// The server's hint says when the job is worth asking about again; the schedule goes on
		// growing underneath, so a hint changes one pause only.
		wait := interval
		if hint, ok := retry.PollHint(response.Header, time.Now()); ok {
			wait = hint
		}
		if err = pause(ctx, wait); err != nil {
			break
		}
		interval = min(interval*3/2, maxPoll)
		job, err = s.Retrieve(ctx, job.Id, append(opts, option.WithResponseInto(&response))...)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return nil, apierror.ErrTimeout
	}
	return job, err
}

func finished(status JobStatus) bool {
	return status == JobStatusSucceeded || status == JobStatusFailed || status == JobStatusCanceled
}

func pause(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
