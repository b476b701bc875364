package transmute

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/transmute-dev/transmute-go/internal/requestconfig"
	"github.com/transmute-dev/transmute-go/internal/sse"
	"github.com/transmute-dev/transmute-go/option"
)

// StreamEvent is one Server-Sent Event whose data is a T. Names the SDK does not know are kept.
type StreamEvent[T any] struct {
	// ID is the event's id: pass it as Last-Event-ID (option.WithHeader) to resume after it.
	ID string
	// Event is the event's name, such as "progress" or "status".
	Event string
	Data  T
}

// EventStream reads the events of a text/event-stream answer as they arrive:
//
//	stream, err := client.Jobs.StreamEvents(ctx, id)
//	if err != nil { ... }
//	defer stream.Close()
//	for stream.Next() { event := stream.Current() }
//	if err := stream.Err(); err != nil { ... }
//
// The stream ends when the server closes it, when ctx ends, or at Close.
type EventStream[E any] struct {
	reader  *sse.Reader
	body    io.Closer
	decode  func(sse.Event) (E, error)
	current E
	err     error
	closed  atomic.Bool
}

// openStream applies the options (see [execute]) and opens req's event stream; retries and the
// call's deadline apply until the answer's headers arrive, ctx for as long as the stream lasts.
func openStream[E any](ctx context.Context, clientOpts, callOpts []option.RequestOption, req requestconfig.Request, decode func(sse.Event) (E, error)) (*EventStream[E], error) {
	cfg, err := requestconfig.Defaults().Apply(append(append([]option.RequestOption{}, clientOpts...), callOpts...)...)
	if err != nil {
		return nil, err
	}
	req.Version = Version
	body, err := requestconfig.Stream(ctx, cfg, req)
	if err != nil {
		return nil, err
	}
	return &EventStream[E]{reader: sse.NewReader(body), body: body, decode: decode}, nil
}

// decodeEvent decodes an event whose data is JSON of a T.
func decodeEvent[T any](raw sse.Event) (StreamEvent[T], error) {
	event := StreamEvent[T]{ID: raw.ID, Event: raw.Event}
	if err := json.Unmarshal([]byte(raw.Data), &event.Data); err != nil {
		return event, fmt.Errorf("transmute: decoding the data of event %q (id %q): %w", raw.Event, raw.ID, err)
	}
	return event, nil
}

// Next waits for the next event and reports whether there is one; at the end of the stream, on an
// error or after Close it returns false (and closes the stream).
func (s *EventStream[E]) Next() bool {
	if s.closed.Load() {
		return false
	}
	raw, err := s.reader.Next()
	if err == nil {
		s.current, err = s.decode(raw)
	}
	if err != nil {
		// A read that fails because Close ended the stream is no error of the stream.
		if !errors.Is(err, io.EOF) && !s.closed.Load() {
			s.err = err
		}
		_ = s.Close()
		return false
	}
	return true
}

// Current is the event Next moved to.
func (s *EventStream[E]) Current() E { return s.current }

// Err is the error that ended the stream early, if any: a lost connection wraps [ErrConnection],
// a canceled ctx is ctx.Err(). A stream that ended normally or was closed has none.
func (s *EventStream[E]) Err() error { return s.err }

// Close ends the stream and its connection. It may be called more than once, and from another
// goroutine to end a Next that is waiting.
func (s *EventStream[E]) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	return s.body.Close()
}
