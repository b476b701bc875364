// Package apierror holds the one error type every failed API call returns. It lives under
// internal/ so the request runtime can build it; the root package re-exports it as transmute.Error.
package apierror

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// ErrConnection marks a request that never got a response (DNS, refused, reset).
var ErrConnection = errors.New("transmute: connection error")

// ErrTimeout marks a call whose overall deadline passed, retries included. It wraps ErrConnection,
// as APITimeoutError extends APIConnectionError in the other SDKs.
var ErrTimeout = fmt.Errorf("%w: request timed out", ErrConnection)

// FieldError is one entry of a problem's validation errors.
type FieldError struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// Error is an answer with a non-success status, carrying the RFC 9457 problem fields.
type Error struct {
	StatusCode int
	// Code is the error catalog code (E1001…), empty when the body was not a problem document.
	Code   string
	Title  string
	Detail string
	// RequestID comes from the body's request_id, else the X-Request-Id header.
	RequestID string
	Errors    []FieldError
	Header    http.Header
	// Body is the raw response body.
	Body []byte
}

func (e *Error) Error() string {
	parts := []string{}
	for _, s := range []string{e.Title, e.Detail} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	text := strings.Join(parts, ": ")
	if text == "" {
		text = "status code with no problem body"
	}
	if e.RequestID != "" {
		return fmt.Sprintf("transmute: %d %s (request_id %s)", e.StatusCode, text, e.RequestID)
	}
	return fmt.Sprintf("transmute: %d %s", e.StatusCode, text)
}

// New reads a problem document from body when it is one; any other body is kept raw only.
func New(status int, header http.Header, body []byte) *Error {
	var problem struct {
		Code      string       `json:"code"`
		Title     string       `json:"title"`
		Detail    string       `json:"detail"`
		RequestID string       `json:"request_id"`
		Errors    []FieldError `json:"errors"`
	}
	_ = json.Unmarshal(body, &problem) // not JSON: the fields stay empty and Body keeps the text
	requestID := problem.RequestID
	if requestID == "" {
		requestID = header.Get("X-Request-Id")
	}
	return &Error{StatusCode: status, Code: problem.Code, Title: problem.Title, Detail: problem.Detail, RequestID: requestID, Errors: problem.Errors, Header: header, Body: body}
}
