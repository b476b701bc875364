package transmute_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	transmute "github.com/transmute-dev/transmute-go"
	"github.com/transmute-dev/transmute-go/option"
)

func readVectors(t *testing.T, name string, into any) {
	t.Helper()
	data, err := os.ReadFile("../conformance/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, into); err != nil {
		t.Fatal(err)
	}
}

// fakeServer answers every request with handler and returns a client pointed at it.
func fakeServer(t *testing.T, handler http.HandlerFunc, opts ...option.RequestOption) *transmute.Client {
	t.Helper()
	server := httptest.NewServer(handler)
	t.Cleanup(server.Close)
	return transmute.NewClient(append([]option.RequestOption{option.WithBaseURL(server.URL), option.WithAPIKey("tk_test")}, opts...)...)
}

// drainEvents reads a stream to its end and closes it: every event, and why it ended.
func drainEvents(stream *transmute.EventStream[transmute.JobEvent]) ([]transmute.JobEvent, error) {
	defer stream.Close()
	var events []transmute.JobEvent
	for stream.Next() {
		events = append(events, stream.Current())
	}
	return events, stream.Err()
}
