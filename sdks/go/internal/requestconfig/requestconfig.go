// Package requestconfig is the request runtime: options layered client → call, then one call with
// retries under one deadline. Generated services call Execute; nothing here knows an operation.
package requestconfig

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/transmute-dev/transmute-go/internal/apierror"
	"github.com/transmute-dev/transmute-go/internal/retry"
)

const (
	DefaultBaseURL    = "https://api.transmute.dev"
	DefaultMaxRetries = 2
	DefaultTimeout    = 60 * time.Second
)

// RequestConfig is everything one call needs; each option edits it.
type RequestConfig struct {
	APIKey         string
	BaseURL        string
	MaxRetries     int
	RequestTimeout time.Duration
	HTTPClient     *http.Client
	Header         http.Header
	// Query holds extra query parameters, set over the operation's own.
	Query    url.Values
	LogLevel string
	// ResponseInto, when set, receives the last HTTP response (its body already read).
	ResponseInto **http.Response
	// Random draws the jitter factor; tests fix it.
	Random func() float64
}

// RequestOption edits a RequestConfig; it is option.RequestOption.
type RequestOption func(*RequestConfig) error

// Defaults reads the environment; explicit options applied after it win.
func Defaults() *RequestConfig {
	cfg := &RequestConfig{
		APIKey:         os.Getenv("TRANSMUTE_API_KEY"),
		BaseURL:        os.Getenv("TRANSMUTE_BASE_URL"),
		MaxRetries:     DefaultMaxRetries,
		RequestTimeout: DefaultTimeout,
		HTTPClient:     http.DefaultClient,
		Header:         http.Header{},
		LogLevel:       os.Getenv("TRANSMUTE_LOG"),
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	return cfg
}

// Apply returns a copy of cfg with opts applied, so a call never changes its client.
func (cfg *RequestConfig) Apply(opts ...RequestOption) (*RequestConfig, error) {
	out := *cfg
	out.Header = cfg.Header.Clone()
	out.Query = url.Values{}
	for name, values := range cfg.Query {
		out.Query[name] = append([]string{}, values...)
	}
	for _, opt := range opts {
		if err := opt(&out); err != nil {
			return nil, err
		}
	}
	return &out, nil
}

// Request is one operation call as the generated code describes it.
type Request struct {
	Method string
	// Path is already built and encoded (see BuildPath).
	Path  string
	Query url.Values
	// Body is JSON-encoded when not nil.
	Body any
	// Auth is false for operations the spec marks as needing no credentials.
	Auth bool
	// Out receives the response: *[]byte takes the raw body, anything else is JSON-decoded.
	Out any
	// Decode, when set, replaces Out for operations whose answers differ by status.
	Decode func(status int, body []byte) error
	// Redirect is true when the operation's documented answer is a redirect (3xx): it is returned
	// to the caller, headers and all. Other operations treat a redirect as an error.
	Redirect bool
	Version  string
}

// BuildPath fills a path template; an empty or dot-segment parameter would address a different
// resource (`/v1/jobs/` lists, `/v1/jobs/..` climbs), so it is refused before sending.
func BuildPath(template string, params ...string) (string, error) {
	out := template
	for _, value := range params {
		start := strings.IndexByte(out, '{')
		end := strings.IndexByte(out, '}')
		if start < 0 || end < start {
			return "", fmt.Errorf("transmute: too many path parameters for %s", template)
		}
		name := out[start+1 : end]
		if value == "" || value == "." || value == ".." {
			return "", fmt.Errorf("transmute: path parameter %q must be a non-empty id, got %q", name, value)
		}
		out = out[:start] + url.PathEscape(value) + out[end+1:]
	}
	return out, nil
}

// Execute sends req with cfg's retries under one deadline (cfg.RequestTimeout, or ctx's if sooner).
func Execute(ctx context.Context, cfg *RequestConfig, req Request) error {
	ctx, cancel := context.WithTimeout(ctx, cfg.RequestTimeout)
	defer cancel()
	resp, body, err := exchange(ctx, cfg, req, nil)
	if err != nil {
		return err
	}
	return decode(resp.StatusCode, body, req)
}

// Stream sends req as Execute does, with its retries and deadline, and returns the body of the
// successful answer unread, for the caller to consume as it arrives. The deadline bounds only the
// wait for the answer's headers: a stream that is still delivering lives until ctx ends or the
// body is closed. Nothing is retried once the body is returned.
func Stream(ctx context.Context, cfg *RequestConfig, req Request) (io.ReadCloser, error) {
	deadline, cancel := context.WithTimeout(ctx, cfg.RequestTimeout)
	defer cancel()
	resp, _, err := exchange(deadline, cfg, req, ctx)
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// exchange sends req until an attempt succeeds or may not be retried. With a stream context, the
// successful answer's body is left open and bound to it instead of read.
func exchange(ctx context.Context, cfg *RequestConfig, req Request, stream context.Context) (*http.Response, []byte, error) {
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = json.Marshal(req.Body); err != nil {
			return nil, nil, fmt.Errorf("transmute: encoding the request body: %w", err)
		}
	}
	header, err := headers(cfg, req, body != nil, stream != nil)
	if err != nil {
		return nil, nil, err
	}
	target := strings.TrimRight(cfg.BaseURL, "/") + req.Path
	query := url.Values{}
	for _, values := range []url.Values{req.Query, cfg.Query} {
		for name, value := range values {
			query[name] = value
		}
	}
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	for attempt := 0; ; attempt++ {
		started := time.Now()
		resp, respBody, err := send(ctx, cfg, req.Method, target, header, body, stream)
		retriesLeft := attempt < cfg.MaxRetries
		if err != nil {
			cfg.logf("info", "%s %s failed: %v (attempt %d, %s)", req.Method, target, err, attempt, time.Since(started))
			if errors.Is(err, apierror.ErrTimeout) || ctx.Err() != nil || !retriesLeft {
				return nil, nil, err
			}
			if err := wait(ctx, retry.Delay(attempt, 0, nil, time.Now(), cfg.Random)); err != nil {
				return nil, nil, err
			}
			continue
		}
		status, respHeader := resp.StatusCode, resp.Header
		cfg.logf("info", "%s %s → %d (attempt %d, %s, request_id %s)", req.Method, target, status, attempt, time.Since(started), respHeader.Get("X-Request-Id"))
		if status < 300 || (req.Redirect && status < 400) {
			return resp, respBody, nil
		}
		apiErr := apierror.New(status, respHeader, respBody)
		if !retriesLeft || !retry.ShouldRetry(status, respHeader) {
			return nil, nil, apiErr
		}
		delay := retry.Delay(attempt, status, respHeader, time.Now(), cfg.Random)
		// A wait that cannot end before the deadline would only turn this answer into a timeout.
		if deadline, ok := ctx.Deadline(); ok && time.Now().Add(delay).After(deadline) {
			return nil, nil, apiErr
		}
		if err := wait(ctx, delay); err != nil {
			return nil, nil, err
		}
	}
}

func headers(cfg *RequestConfig, req Request, hasBody, stream bool) (http.Header, error) {
	h := cfg.Header.Clone()
	h.Set("Accept", "application/json")
	if stream {
		h.Set("Accept", "text/event-stream")
	}
	if h.Get("User-Agent") == "" {
		h.Set("User-Agent", fmt.Sprintf("transmute-go/%s (go/%s; %s)", req.Version, strings.TrimPrefix(runtime.Version(), "go"), runtime.GOOS))
	}
	if hasBody {
		h.Set("Content-Type", "application/json")
	}
	if req.Auth && h.Get("Authorization") == "" {
		if cfg.APIKey == "" {
			return nil, errors.New("transmute: no API key: pass option.WithAPIKey(...) to transmute.NewClient or set the TRANSMUTE_API_KEY environment variable")
		}
		h.Set("Authorization", "Bearer "+cfg.APIKey)
	}
	// Created once per call, so every retry of it is the same request to the server.
	if req.Method != http.MethodGet && h.Get("Idempotency-Key") == "" {
		h.Set("Idempotency-Key", "transmute-go-retry-"+uuid())
	}
	return h, nil
}

// send makes one attempt under ctx. With a stream context, the request lives in that context
// instead, and ctx (the call's deadline) ends it only until a successful answer's headers arrive:
// that answer's body is returned unread, bound to the stream context.
func send(ctx context.Context, cfg *RequestConfig, method, target string, header http.Header, body []byte, stream context.Context) (*http.Response, []byte, error) {
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	reqCtx, cancel := ctx, context.CancelFunc(func() {})
	detach := func() bool { return true }
	if stream != nil {
		reqCtx, cancel = context.WithCancel(stream)
		detach = context.AfterFunc(ctx, cancel)
	}
	httpReq, err := http.NewRequestWithContext(reqCtx, method, target, reader)
	if err != nil {
		cancel()
		return nil, nil, fmt.Errorf("transmute: building the request: %w", err)
	}
	httpReq.Header = header.Clone()
	cfg.logf("debug", "%s %s headers %v", method, target, redact(header))
	// Redirects are never followed: a documented one (startOidcSignIn) is the answer, whose Location
	// and Set-Cookie the caller needs, and an undocumented one (an http:// base URL behind a proxy
	// that upgrades to HTTPS) must not carry the credentials to another address unnoticed. A copy,
	// so that the caller's client is left as it was.
	client := *cfg.HTTPClient
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(httpReq)
	if err != nil {
		cancel()
		return nil, nil, transportError(ctx, err)
	}
	if stream != nil && resp.StatusCode < 300 {
		if !detach() { // the deadline passed as the headers arrived
			cancel()
			resp.Body.Close()
			return nil, nil, apierror.ErrTimeout
		}
		resp.Body = &streamBody{ctx: stream, body: resp.Body, cancel: cancel}
		if cfg.ResponseInto != nil {
			*cfg.ResponseInto = resp
		}
		return resp, nil, nil
	}
	defer cancel()
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, transportError(ctx, err)
	}
	if cfg.ResponseInto != nil {
		resp.Body = io.NopCloser(bytes.NewReader(data))
		*cfg.ResponseInto = resp
	}
	return resp, data, nil
}

// streamBody is an answer's body read as it arrives, its errors told apart like a request's;
// closing it ends the request.
type streamBody struct {
	ctx    context.Context
	body   io.ReadCloser
	cancel context.CancelFunc
}

func (b *streamBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	if err != nil && err != io.EOF {
		err = transportError(b.ctx, err)
	}
	return n, err
}

func (b *streamBody) Close() error {
	b.cancel()
	return b.body.Close()
}

// transportError tells the caller's cancellation apart from our deadline and from the network.
func transportError(ctx context.Context, err error) error {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("%w: %w", apierror.ErrTimeout, err)
	case ctx.Err() != nil:
		return ctx.Err()
	default:
		return fmt.Errorf("%w: %w", apierror.ErrConnection, err)
	}
}

func wait(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return apierror.ErrTimeout
		}
		return ctx.Err()
	}
}

func decode(status int, body []byte, req Request) error {
	if req.Decode != nil {
		if err := req.Decode(status, body); err != nil {
			return fmt.Errorf("transmute: decoding the response: %w", err)
		}
		return nil
	}
	switch target := req.Out.(type) {
	case nil:
		return nil
	case *[]byte:
		*target = body
		return nil
	}
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, req.Out); err != nil {
		return fmt.Errorf("transmute: decoding the response: %w", err)
	}
	return nil
}

// secretHeaders never reach a log line; the same set and marker in every SDK
// (sdks/conformance/logging.json).
var secretHeaders = []string{"Authorization", "Proxy-Authorization", "X-Api-Key", "Cookie", "Set-Cookie"}

// redacted is what a debug log line shows instead of a credential.
const redacted = "[redacted]"

// redact returns a copy of h with every credential header's values replaced.
func redact(h http.Header) http.Header {
	out := h.Clone()
	for _, name := range secretHeaders {
		if _, ok := out[name]; ok {
			out.Set(name, redacted)
		}
	}
	return out
}

func (cfg *RequestConfig) logf(level, format string, args ...any) {
	if cfg.LogLevel == "debug" || (cfg.LogLevel == "info" && level == "info") {
		log.Printf("transmute: "+format, args...)
	}
}

// uuid is a random (version 4) UUID; the standard library has none before Go 1.24's crypto/rand.Text.
func uuid() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
