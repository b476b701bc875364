package transmute_test

import (
	"bytes"
	"context"
	"errors"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	transmute "github.com/transmute-dev/transmute-go"
	"github.com/transmute-dev/transmute-go/option"
)

var jobBody = `{"id":"job_1","status":"queued","from":"csv","to":"json","progress":0,"attempts":0,"input_bytes":3,"created_at":"2026-09-21T12:53:20Z","future_field":1}`

// recorder answers with the given statuses in turn (the last one repeats) and records each request.
type recorder struct {
	mu       sync.Mutex
	requests []*http.Request
	times    []time.Time
}

func (rec *recorder) handler(header http.Header, statuses ...int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		n := len(rec.requests)
		rec.requests, rec.times = append(rec.requests, r), append(rec.times, time.Now())
		rec.mu.Unlock()
		for name, values := range header {
			w.Header()[name] = values
		}
		status := statuses[min(n, len(statuses)-1)]
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if status < 300 {
			_, _ = w.Write([]byte(jobBody))
		} else {
			_, _ = w.Write([]byte(`{"title":"Unavailable","code":"E1503"}`))
		}
	}
}

func newJob() transmute.JobCreate {
	return transmute.JobCreate{From: "csv", To: "json", Input: "a\n1"}
}

func TestRetriesReuseOneIdempotencyKey(t *testing.T) {
	rec := &recorder{}
	client := fakeServer(t, rec.handler(http.Header{"Retry-After-Ms": {"20"}}, 503, 429, 202))
	job, err := client.Jobs.Create(context.Background(), newJob())
	if err != nil {
		t.Fatal(err)
	}
	if job.Id != "job_1" || len(rec.requests) != 3 {
		t.Fatalf("job %+v after %d requests", job, len(rec.requests))
	}
	key := rec.requests[0].Header.Get("Idempotency-Key")
	if !strings.HasPrefix(key, "transmute-go-retry-") {
		t.Fatalf("Idempotency-Key %q", key)
	}
	for i, r := range rec.requests {
		if r.Header.Get("Idempotency-Key") != key {
			t.Fatalf("attempt %d sent key %q, want %q", i, r.Header.Get("Idempotency-Key"), key)
		}
	}
	if gap := rec.times[1].Sub(rec.times[0]); gap < 20*time.Millisecond {
		t.Fatalf("retry-after-ms 20 not honoured: %v", gap)
	}
}

func TestCallerIdempotencyKeyWinsAndGetHasNone(t *testing.T) {
	rec := &recorder{}
	client := fakeServer(t, rec.handler(nil, 200))
	if _, err := client.Jobs.Create(context.Background(), newJob(), option.WithHeader("Idempotency-Key", "mine")); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Jobs.Retrieve(context.Background(), "job_1"); err != nil {
		t.Fatal(err)
	}
	if rec.requests[0].Header.Get("Idempotency-Key") != "mine" || rec.requests[1].Header.Get("Idempotency-Key") != "" {
		t.Fatalf("keys %q, %q", rec.requests[0].Header.Get("Idempotency-Key"), rec.requests[1].Header.Get("Idempotency-Key"))
	}
}

func TestClientErrorIsNotRetriedAndMaxRetriesIsHonoured(t *testing.T) {
	rec := &recorder{}
	client := fakeServer(t, rec.handler(http.Header{"Retry-After-Ms": {"1"}}, 400))
	_, err := client.Jobs.Retrieve(context.Background(), "job_1")
	var apiErr *transmute.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || len(rec.requests) != 1 {
		t.Fatalf("err %v after %d requests", err, len(rec.requests))
	}
	rec = &recorder{}
	client = fakeServer(t, rec.handler(http.Header{"Retry-After-Ms": {"1"}}, 500), option.WithMaxRetries(3))
	_, err = client.Jobs.Retrieve(context.Background(), "job_1")
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 || apiErr.Code != "E1503" || len(rec.requests) != 4 {
		t.Fatalf("err %v after %d requests", err, len(rec.requests))
	}
}

func TestOverallDeadlineIncludesRetries(t *testing.T) {
	client := fakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(80 * time.Millisecond)
		w.WriteHeader(503)
	}, option.WithRequestTimeout(150*time.Millisecond), option.WithMaxRetries(5))
	started := time.Now()
	_, err := client.Jobs.Retrieve(context.Background(), "job_1")
	if elapsed := time.Since(started); elapsed > time.Second {
		t.Fatalf("deadline not kept: %v", elapsed)
	}
	var apiErr *transmute.Error
	if !errors.Is(err, transmute.ErrTimeout) && !errors.As(err, &apiErr) {
		t.Fatalf("want a timeout or the last answer, got %v", err)
	}
	slow := fakeServer(t, func(w http.ResponseWriter, r *http.Request) { time.Sleep(300 * time.Millisecond) }, option.WithRequestTimeout(50*time.Millisecond))
	if _, err := slow.Jobs.Retrieve(context.Background(), "job_1"); !errors.Is(err, transmute.ErrTimeout) || !errors.Is(err, transmute.ErrConnection) {
		t.Fatalf("want ErrTimeout, got %v", err)
	}
}

func TestCancellationDuringTheWait(t *testing.T) {
	rec := &recorder{}
	client := fakeServer(t, rec.handler(http.Header{"Retry-After": {"30"}}, 503))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	started := time.Now()
	_, err := client.Jobs.Retrieve(ctx, "job_1")
	if !errors.Is(err, context.Canceled) || time.Since(started) > 5*time.Second {
		t.Fatalf("err %v after %v", err, time.Since(started))
	}
}

func TestConnectionErrorIsRetriedThenReported(t *testing.T) {
	server := httptest.NewServer(http.NotFoundHandler())
	server.Close()
	client := transmute.NewClient(option.WithBaseURL(server.URL), option.WithAPIKey("k"), option.WithMaxRetries(1))
	_, err := client.Jobs.Retrieve(context.Background(), "job_1")
	if !errors.Is(err, transmute.ErrConnection) || errors.Is(err, transmute.ErrTimeout) {
		t.Fatalf("want ErrConnection, got %v", err)
	}
}

func TestMissingKeyNamesOptionAndVariable(t *testing.T) {
	t.Setenv("TRANSMUTE_API_KEY", "")
	client := transmute.NewClient(option.WithBaseURL("http://127.0.0.1:1"))
	_, err := client.Jobs.Retrieve(context.Background(), "job_1")
	if err == nil || !strings.Contains(err.Error(), "option.WithAPIKey") || !strings.Contains(err.Error(), "TRANSMUTE_API_KEY") {
		t.Fatalf("err %v", err)
	}
}

func TestEnvironmentAndHeaders(t *testing.T) {
	rec := &recorder{}
	server := httptest.NewServer(rec.handler(http.Header{"X-Request-Id": {"req_1"}}, 200))
	t.Cleanup(server.Close)
	t.Setenv("TRANSMUTE_API_KEY", "from_env")
	t.Setenv("TRANSMUTE_BASE_URL", server.URL)
	var response *http.Response
	job, err := transmute.NewClient().Jobs.Retrieve(context.Background(), "job 1/..", option.WithResponseInto(&response))
	if err != nil {
		t.Fatal(err)
	}
	r := rec.requests[0]
	wantUA := "transmute-go/" + transmute.Version + " (go/" + strings.TrimPrefix(runtime.Version(), "go") + "; " + runtime.GOOS + ")"
	if r.Header.Get("Authorization") != "Bearer from_env" || r.Header.Get("User-Agent") != wantUA || r.URL.EscapedPath() != "/v1/jobs/job%201%2F.." {
		t.Fatalf("auth %q, UA %q, path %q", r.Header.Get("Authorization"), r.Header.Get("User-Agent"), r.URL.EscapedPath())
	}
	if job.Status != "queued" || response.Header.Get("X-Request-Id") != "req_1" {
		t.Fatalf("job %+v, response %v", job, response)
	}
}

func TestEmptyPathParameterIsRefusedBeforeSending(t *testing.T) {
	rec := &recorder{}
	client := fakeServer(t, rec.handler(nil, 200))
	for _, id := range []string{"", ".", ".."} {
		if _, err := client.Jobs.Retrieve(context.Background(), id); err == nil {
			t.Fatalf("id %q accepted", id)
		}
	}
	if len(rec.requests) != 0 {
		t.Fatal("a request was sent")
	}
}

func TestCreateAndWaitPollsUntilFinal(t *testing.T) {
	var mu sync.Mutex
	polls := 0
	client := fakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		status := "queued"
		if r.Method == http.MethodGet {
			polls++
			w.Header().Set("Retry-After-Ms", "10")
			if polls == 3 {
				status = "succeeded"
			}
		}
		_, _ = w.Write([]byte(strings.Replace(jobBody, `"queued"`, `"`+status+`"`, 1)))
	})
	job, err := client.Jobs.CreateAndWait(context.Background(), newJob())
	if err != nil || job.Status != transmute.JobStatusSucceeded || polls != 3 {
		t.Fatalf("job %+v, err %v, polls %d", job, err, polls)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	never := fakeServer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(jobBody)) })
	if _, err := never.Jobs.CreateAndWait(ctx, newJob()); !errors.Is(err, transmute.ErrTimeout) {
		t.Fatalf("want ErrTimeout at the deadline, got %v", err)
	}
}

// The SDK never follows a redirect: startOidcSignIn's documented 302 is its answer (Location and
// Set-Cookie for the browser), and any other operation's redirect is an error carrying the
// Location, so the credentials are not sent on to another address.
func TestRedirectsAreReturnedNotFollowed(t *testing.T) {
	rec := &recorder{}
	client := fakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.requests = append(rec.requests, r)
		rec.mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: "transmute_oidc", Value: "sealed"})
		http.Redirect(w, r, "https://idp.example.com/authorize?state=s", http.StatusFound)
	})
	var response *http.Response
	if err := client.Auth.StartOidcSignIn(context.Background(), "idp", option.WithResponseInto(&response)); err != nil {
		t.Fatal(err)
	}
	if response.StatusCode != http.StatusFound || response.Header.Get("Location") != "https://idp.example.com/authorize?state=s" || len(response.Cookies()) != 1 {
		t.Fatalf("answer %d %v", response.StatusCode, response.Header)
	}
	_, err := client.Jobs.Retrieve(context.Background(), "job_1")
	var apiErr *transmute.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusFound || apiErr.Header.Get("Location") == "" {
		t.Fatalf("an undocumented redirect gave %v", err)
	}
	if len(rec.requests) != 2 {
		t.Fatalf("%d requests: a redirect was followed", len(rec.requests))
	}
}

func TestWithQueryAddsToTheOperationsParameters(t *testing.T) {
	rec := &recorder{}
	client := fakeServer(t, rec.handler(nil, 200))
	params := transmute.CompleteOidcSignInParams{Code: transmute.Ptr("c"), State: transmute.Ptr("s")}
	if _, err := client.Auth.CompleteOidcSignIn(context.Background(), "idp", params, option.WithQuery("iss", "https://idp.example.com")); err != nil {
		t.Fatal(err)
	}
	if query := rec.requests[0].URL.Query(); query.Get("code") != "c" || query.Get("state") != "s" || query.Get("iss") != "https://idp.example.com" {
		t.Fatalf("query %v", query)
	}
}

// TestDebugLogRedactsTheSharedHeaderSet replays sdks/conformance/logging.json: the request headers
// of a debug log line, with the same set redacted the same way as in the other SDKs.
func TestDebugLogRedactsTheSharedHeaderSet(t *testing.T) {
	var vectors struct {
		Replacement string            `json:"replacement"`
		Headers     map[string]string `json:"headers"`
		Redacted    []string          `json:"redacted"`
	}
	readVectors(t, "logging.json", &vectors)
	opts := []option.RequestOption{option.WithLogLevel("debug")}
	for name, value := range vectors.Headers {
		opts = append(opts, option.WithHeader(name, value))
	}
	var out bytes.Buffer
	log.SetOutput(&out)
	defer log.SetOutput(os.Stderr)
	client := fakeServer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{"data":[]}`)) }, opts...)
	if _, err := client.Formats.List(context.Background()); err != nil {
		t.Fatal(err)
	}
	logged := out.String()
	for name, value := range vectors.Headers {
		secret := slices.Contains(vectors.Redacted, strings.ToLower(name))
		if strings.Contains(logged, value) == secret {
			t.Errorf("%s: secret %v, but its value logged %v:\n%s", name, secret, !secret, logged)
		}
	}
	if got := strings.Count(logged, vectors.Replacement); got != len(vectors.Redacted) {
		t.Errorf("%d values redacted as %q, want %d:\n%s", got, vectors.Replacement, len(vectors.Redacted), logged)
	}
}
