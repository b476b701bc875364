package transmute

import "github.com/transmute-dev/transmute-go/internal/apierror"

// Error is returned for every answer with a non-success status; match it with errors.As:
//
//	var apiErr *transmute.Error
//	if errors.As(err, &apiErr) && apiErr.StatusCode == 404 { ... }
type Error = apierror.Error

// FieldError is one validation error of an [Error] (a JSON pointer and a message).
type FieldError = apierror.FieldError

// ErrConnection is wrapped by errors from requests that got no response; test with errors.Is.
var ErrConnection = apierror.ErrConnection

// ErrTimeout is wrapped by errors from calls whose overall deadline passed; it wraps [ErrConnection].
var ErrTimeout = apierror.ErrTimeout
