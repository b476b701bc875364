// Package option holds the functional options of the client and of each call; a call's options are
// applied after the client's, so they win.
package option

import (
	"errors"
	"net/http"
	"time"

	"github.com/transmute-dev/transmute-go/internal/requestconfig"
)

// RequestOption changes how a client or one call sends requests.
type RequestOption = requestconfig.RequestOption

// WithAPIKey sets the API key or user access token, sent as a bearer token.
// Default: the TRANSMUTE_API_KEY environment variable.
func WithAPIKey(key string) RequestOption {
	return func(c *requestconfig.RequestConfig) error { c.APIKey = key; return nil }
}

// WithBaseURL sets the API's address. Default: TRANSMUTE_BASE_URL, else https://api.transmute.dev.
func WithBaseURL(url string) RequestOption {
	return func(c *requestconfig.RequestConfig) error { c.BaseURL = url; return nil }
}

// WithMaxRetries sets how many times a failed attempt is retried. Default 2.
func WithMaxRetries(n int) RequestOption {
	return func(c *requestconfig.RequestConfig) error {
		if n < 0 {
			return errors.New("transmute: WithMaxRetries needs a number >= 0")
		}
		c.MaxRetries = n
		return nil
	}
}

// WithRequestTimeout sets one deadline for a call, retries and waits included. Default 60 s.
func WithRequestTimeout(d time.Duration) RequestOption {
	return func(c *requestconfig.RequestConfig) error { c.RequestTimeout = d; return nil }
}

// WithHTTPClient sets the HTTP client (proxies, tests). Default: http.DefaultClient.
func WithHTTPClient(client *http.Client) RequestOption {
	return func(c *requestconfig.RequestConfig) error { c.HTTPClient = client; return nil }
}

// WithHeader sets a header on every request it applies to. Setting Idempotency-Key replaces the
// generated key.
func WithHeader(name, value string) RequestOption {
	return func(c *requestconfig.RequestConfig) error { c.Header.Set(name, value); return nil }
}

// WithQuery sets a query parameter on every request it applies to, over the operation's own: for
// parameters the spec leaves open, such as those an identity provider adds to its callback
// (RFC 9207 `iss`), which CompleteOidcSignIn must pass on as the browser would.
func WithQuery(name, value string) RequestOption {
	return func(c *requestconfig.RequestConfig) error { c.Query.Set(name, value); return nil }
}

// WithResponseInto stores the last HTTP response of the call in *dst (its body already read; for
// an event stream, the body is the stream's own), for headers such as X-Request-Id.
func WithResponseInto(dst **http.Response) RequestOption {
	return func(c *requestconfig.RequestConfig) error { c.ResponseInto = dst; return nil }
}

// WithLogLevel sets logging to "info" or "debug" (credentials redacted). Default: TRANSMUTE_LOG.
func WithLogLevel(level string) RequestOption {
	return func(c *requestconfig.RequestConfig) error { c.LogLevel = level; return nil }
}
