// Package sse reads a text/event-stream as the HTML Living Standard's "Server-sent events" section
// parses one (§ 9.2.6 "Interpreting an event stream"), an event at a time, as the bytes arrive.
package sse

import (
	"bufio"
	"io"
	"strings"
	"unicode/utf8"
)

// Event is one dispatched event. Event is "message" when the stream named none; ID is the last
// event id the stream set, which persists across events as the standard says.
type Event struct {
	ID    string
	Event string
	Data  string
}

// Reader parses events from a stream. It keeps no more than the event being built.
type Reader struct {
	in      *bufio.Reader
	line    []byte
	afterCR bool
	started bool
	lastID  string
}

// NewReader reads events from r.
func NewReader(r io.Reader) *Reader {
	return &Reader{in: bufio.NewReader(r)}
}

// Next returns the next event. At the end of the stream it returns io.EOF; an event the stream
// ended in the middle of (no blank line after it) is dropped, as the standard requires.
func (r *Reader) Next() (Event, error) {
	var event string
	var data strings.Builder
	for {
		line, err := r.readLine()
		if err != nil {
			return Event{}, err
		}
		if line == "" {
			// A blank line dispatches; one with no data (after a lone `retry:` or `id:`) resets.
			if data.Len() == 0 {
				event = ""
				continue
			}
			if event == "" {
				event = "message"
			}
			return Event{ID: r.lastID, Event: event, Data: strings.TrimSuffix(data.String(), "\n")}, nil
		}
		if line[0] == ':' {
			continue // a comment: servers send them to keep idle connections open
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			event = value
		case "data":
			data.WriteString(value)
			data.WriteByte('\n')
		case "id":
			if !strings.ContainsRune(value, 0) {
				r.lastID = value
			}
		}
		// `retry:` (the reconnection delay) and unknown fields are ignored: the caller reconnects
		// when it chooses, with the ID as Last-Event-ID.
	}
}

// readLine returns one line without its terminator: CRLF, LF or a lone CR. A CR may end one read
// and its LF begin the next, so the LF to skip is remembered across calls.
func (r *Reader) readLine() (string, error) {
	if !r.started {
		r.started = true
		// A byte order mark before the first line is not part of it.
		if bom, _ := r.in.Peek(3); string(bom) == "\uFEFF" {
			_, _ = r.in.Discard(3)
		}
	}
	r.line = r.line[:0]
	for {
		b, err := r.in.ReadByte()
		if err != nil {
			return "", err // a line cut off by the end belongs to an event that is dropped
		}
		skipLF := r.afterCR && b == '\n'
		r.afterCR = b == '\r'
		switch {
		case skipLF:
			continue
		case b == '\r' || b == '\n':
			return decodeUTF8(r.line), nil
		}
		r.line = append(r.line, b)
	}
}

// decodeUTF8 is the WHATWG UTF-8 decode the standard reads the stream with: each maximal invalid
// subsequence becomes one U+FFFD (utf8.DecodeRune would give one per byte). A line holds whole
// characters, since a CR or LF byte is never part of a multi-byte one.
func decodeUTF8(line []byte) string {
	if utf8.Valid(line) {
		return string(line)
	}
	var text strings.Builder
	for len(line) > 0 {
		r, n := utf8.DecodeRune(line)
		if r == utf8.RuneError && n == 1 {
			n = invalidPrefix(line)
		}
		text.WriteRune(r) // RuneError is U+FFFD
		line = line[n:]
	}
	return text.String()
}

// invalidPrefix is the length of the invalid sequence line starts with: its lead byte and the
// continuation bytes that could still have completed it (Unicode § 3.9, "maximal subpart").
func invalidPrefix(line []byte) int {
	lo, hi := byte(0x80), byte(0xBF)
	var need int
	switch lead := line[0]; {
	case lead >= 0xC2 && lead <= 0xDF:
		need = 1
	case lead == 0xE0:
		need, lo = 2, 0xA0
	case lead == 0xED:
		need, hi = 2, 0x9F
	case lead >= 0xE1 && lead <= 0xEF:
		need = 2
	case lead == 0xF0:
		need, lo = 3, 0x90
	case lead == 0xF4:
		need, hi = 3, 0x8F
	case lead >= 0xF1 && lead <= 0xF3:
		need = 3
	default:
		return 1
	}
	n := 1
	for n <= need && n < len(line) && line[n] >= lo && line[n] <= hi {
		n, lo, hi = n+1, 0x80, 0xBF
	}
	return n
}
