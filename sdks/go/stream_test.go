package transmute_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	transmute "github.com/transmute-dev/transmute-go"
	"github.com/transmute-dev/transmute-go/option"
)

// sseHandler answers an event stream: it writes each chunk and flushes it, so the client sees
// the chunks apart, then waits until the client goes away when hold is set.
func sseHandler(hold bool, chunks ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("X-Request-Id", "req_stream")
		for _, chunk := range chunks {
			_, _ = w.Write([]byte(chunk))
			w.(http.Flusher).Flush()
		}
		if hold {
			<-r.Context().Done()
		}
	}
}

func TestStreamEventsDecodesEachEventIntoTheModel(t *testing.T) {
	var request *http.Request
	handler := sseHandler(false, "retry: 2000\n\n: keep-alive\n\nid: 1\nevent: progress\nda", "ta: "+jobBody+"\r\n\r\n",
		"id: 2\nevent: added-later\ndata: "+strings.Replace(jobBody, `"queued"`, `"succeeded"`, 1)+"\n\n")
	client := fakeServer(t, func(w http.ResponseWriter, r *http.Request) { request = r; handler(w, r) })
	var response *http.Response
	stream, err := client.Jobs.StreamEvents(context.Background(), "job_1", option.WithHeader("Last-Event-ID", "0"), option.WithResponseInto(&response))
	must(t, err)
	events, err := drainEvents(stream)
	must(t, err)
	if len(events) != 2 || events[0].ID != "1" || events[0].Event != "progress" || events[1].ID != "2" || events[1].Event != "added-later" {
		t.Fatalf("events %+v", events)
	}
	if events[0].Data.Id != "job_1" || events[0].Data.Status != transmute.JobStatusQueued || events[1].Data.Status != transmute.JobStatusSucceeded {
		t.Fatalf("data %+v", events)
	}
	if future, found := events[0].Data.Get("future_field"); !found || future != float64(1) {
		t.Fatalf("unknown field lost: %v %v", future, found)
	}
	if request.Header.Get("Accept") != "text/event-stream" || request.Header.Get("Last-Event-ID") != "0" || request.URL.Path != "/v1/jobs/job_1/events" {
		t.Fatalf("request %s %v", request.URL, request.Header)
	}
	if response.Header.Get("X-Request-Id") != "req_stream" {
		t.Fatalf("response headers %v", response.Header)
	}
}

// Retries establish the stream; once its body flows, a broken connection ends it with an error
// and is not retried (the caller resumes with Last-Event-ID).
func TestStreamRetriesOnlyBeforeTheBody(t *testing.T) {
	var requests atomic.Int32
	client := fakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		if requests.Add(1) == 1 {
			w.Header().Set("Retry-After-Ms", "10")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		sseHandler(false, "id: 1\nevent: progress\ndata: "+jobBody+"\n\nid: 2\ndata: {")(w, r)
		panic(http.ErrAbortHandler) // the connection breaks mid-event
	})
	stream, err := client.Jobs.StreamEvents(context.Background(), "job_1")
	must(t, err)
	if !stream.Next() || stream.Current().ID != "1" {
		t.Fatalf("first event %+v, %v", stream.Current(), stream.Err())
	}
	if stream.Next() || !errors.Is(stream.Err(), transmute.ErrConnection) {
		t.Fatalf("want ErrConnection after the broken connection, got %v", stream.Err())
	}
	if requests.Load() != 2 {
		t.Fatalf("%d requests, want 2 (one 503, one stream)", requests.Load())
	}
}

func TestStreamErrorStatusIsAnError(t *testing.T) {
	client := fakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"title":"Not found","status":404,"code":"E1005"}`))
	})
	var apiErr *transmute.Error
	if _, err := client.Jobs.StreamEvents(context.Background(), "job_1"); !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || apiErr.Code != "E1005" {
		t.Fatalf("want a 404 *transmute.Error, got %v", err)
	}
}

func TestStreamDataThatIsNotTheModelIsAnError(t *testing.T) {
	client := fakeServer(t, sseHandler(false, "id: 4\nevent: progress\ndata: not json\n\n"))
	stream, err := client.Jobs.StreamEvents(context.Background(), "job_1")
	must(t, err)
	if stream.Next() || stream.Err() == nil || !strings.Contains(stream.Err().Error(), `event "progress" (id "4")`) {
		t.Fatalf("want a decoding error naming the event, got %v", stream.Err())
	}
}

// The call's deadline bounds the wait for the answer's headers, not a stream still delivering.
func TestStreamDeadlineAppliesUntilTheHeaders(t *testing.T) {
	slowStream := fakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		sseHandler(false, "data: "+jobBody+"\n\n")(w, r)
		time.Sleep(300 * time.Millisecond)
		sseHandler(false, "data: "+jobBody+"\n\n")(w, r)
	}, option.WithRequestTimeout(100*time.Millisecond))
	stream, err := slowStream.Jobs.StreamEvents(context.Background(), "job_1")
	must(t, err)
	count := 0
	for stream.Next() {
		count++
	}
	if count != 2 || stream.Err() != nil {
		t.Fatalf("%d events, error %v: the deadline cut the stream", count, stream.Err())
	}

	slowHeaders := fakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(time.Second):
		case <-r.Context().Done():
		}
	}, option.WithRequestTimeout(50*time.Millisecond), option.WithMaxRetries(0))
	if _, err := slowHeaders.Jobs.StreamEvents(context.Background(), "job_1"); !errors.Is(err, transmute.ErrTimeout) {
		t.Fatalf("want ErrTimeout before the headers, got %v", err)
	}
}

// Close (even from another goroutine, during a Next that waits) and ctx end a stream the server
// keeps open; Close is no error, a canceled ctx is ctx.Err().
func TestStreamEndsAtCloseOrCancel(t *testing.T) {
	client := fakeServer(t, sseHandler(true, "id: 1\ndata: "+jobBody+"\n\n"))
	stream, err := client.Jobs.StreamEvents(context.Background(), "job_1")
	must(t, err)
	if !stream.Next() {
		t.Fatal(stream.Err())
	}
	time.AfterFunc(20*time.Millisecond, func() { _ = stream.Close() })
	if stream.Next() || stream.Err() != nil || stream.Close() != nil {
		t.Fatalf("after Close: Next true or error %v", stream.Err())
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream, err = client.Jobs.StreamEvents(ctx, "job_1")
	must(t, err)
	if !stream.Next() {
		t.Fatal(stream.Err())
	}
	time.AfterFunc(20*time.Millisecond, cancel)
	if stream.Next() || !errors.Is(stream.Err(), context.Canceled) {
		t.Fatalf("after cancel: want context.Canceled, got %v", stream.Err())
	}
}
