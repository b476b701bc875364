package sse

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// Each stream is read whole and one byte per read, so every chunk boundary falls inside a line,
// between a CR and its LF, and inside the byte order mark.
func TestReader(t *testing.T) {
	cases := []struct {
		name   string
		stream string
		want   []Event
	}{
		{"fields, a leading retry and the one optional space", "retry: 2000\n\nid: 1\nevent: progress\ndata: {\"a\":1}\n\n",
			[]Event{{ID: "1", Event: "progress", Data: `{"a":1}`}}},
		{"CRLF, CR and LF line ends", "data: a\r\ndata: b\r\n\r\ndata: c\r\rdata:d\n\n",
			[]Event{{Event: "message", Data: "a\nb"}, {Event: "message", Data: "c"}, {Event: "message", Data: "d"}}},
		{"data lines joined with LF, only one space removed", "data: one\ndata\ndata:  two\n\n",
			[]Event{{Event: "message", Data: "one\n\n two"}}},
		{"comments and unknown fields ignored", ": keep-alive\n\n:\nfoo: bar\ndata: x\n\n",
			[]Event{{Event: "message", Data: "x"}}},
		{"an unknown event name kept", "event: added-later\ndata: 1\n\n",
			[]Event{{Event: "added-later", Data: "1"}}},
		{"the id persists; one with NUL is ignored", "id: 7\ndata: a\n\nid: 8\x00\ndata: b\n\n",
			[]Event{{ID: "7", Event: "message", Data: "a"}, {ID: "7", Event: "message", Data: "b"}}},
		{"a blank line without data resets the event name", "event: x\n\ndata: y\n\n",
			[]Event{{Event: "message", Data: "y"}}},
		{"a trailing event without blank line dropped", "data: a\n\ndata: b\n", []Event{{Event: "message", Data: "a"}}},
		{"a byte order mark skipped", "\uFEFFdata: a\n\n", []Event{{Event: "message", Data: "a"}}},
	}
	for _, c := range cases {
		for _, chunked := range []bool{false, true} {
			var in io.Reader = strings.NewReader(c.stream)
			if chunked {
				in = iotest.OneByteReader(in)
			}
			if got := readAll(t, NewReader(in)); !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s (one byte a read: %v): got %+v, want %+v", c.name, chunked, got, c.want)
			}
		}
	}
}

// TestConformance replays sdks/conformance/sse.json: each byte stream, delivered in the chunks
// each vector's cuts give, must yield the same events as in the TypeScript and Python SDKs.
func TestConformance(t *testing.T) {
	var file struct {
		Vectors []struct {
			Name   string  `json:"name"`
			Bytes  []byte  `json:"bytes"` // base64 in the file
			Cuts   [][]int `json:"cuts"`
			Events []struct {
				ID    *string `json:"id"` // null: no id, which Go reports as ""
				Event string  `json:"event"`
				Data  string  `json:"data"`
			} `json:"events"`
		} `json:"vectors"`
	}
	data, err := os.ReadFile("../../../conformance/sse.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	for _, v := range file.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			var want []Event
			for _, e := range v.Events {
				event := Event{Event: e.Event, Data: e.Data}
				if e.ID != nil {
					event.ID = *e.ID
				}
				want = append(want, event)
			}
			for _, cuts := range v.Cuts {
				in := &chunkReader{}
				start := 0
				for _, end := range append(cuts, len(v.Bytes)) {
					in.chunks = append(in.chunks, v.Bytes[start:end])
					start = end
				}
				if got := readAll(t, NewReader(in)); !reflect.DeepEqual(got, want) {
					t.Errorf("cut at %v: got %+q, want %+q", cuts, got, want)
				}
			}
		})
	}
}

// chunkReader hands out its chunks one per Read, as a network delivers a body.
type chunkReader struct{ chunks [][]byte }

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.chunks[0])
	if r.chunks[0] = r.chunks[0][n:]; len(r.chunks[0]) == 0 {
		r.chunks = r.chunks[1:]
	}
	return n, nil
}

func TestReaderReportsReadErrors(t *testing.T) {
	broken := errors.New("connection reset")
	reader := NewReader(io.MultiReader(strings.NewReader("data: a\n\ndata: b"), iotest.ErrReader(broken)))
	if event, err := reader.Next(); err != nil || event.Data != "a" {
		t.Fatalf("first event %+v, %v", event, err)
	}
	if _, err := reader.Next(); !errors.Is(err, broken) {
		t.Fatalf("want the read error, got %v", err)
	}
}

func readAll(t *testing.T, reader *Reader) []Event {
	t.Helper()
	var events []Event
	for {
		event, err := reader.Next()
		if errors.Is(err, io.EOF) {
			return events
		}
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, event)
	}
}
