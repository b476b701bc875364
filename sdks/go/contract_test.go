package transmute_test

// The contract suite: every operation of the spec, called through this SDK against the shared
// contract environment (environment_test.go), asserting what the spec documents. One file per
// group of resources; this one holds the helpers and the operational endpoints.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	transmute "github.com/transmute-dev/transmute-go"
	"github.com/transmute-dev/transmute-go/option"
)

const password = "correct horse battery staple"

// keyClient calls with the environment's API key, which holds every key scope.
func keyClient() *transmute.Client {
	return transmute.NewClient(option.WithBaseURL(environment.URL), option.WithAPIKey(environment.Key))
}

// anonymousClient sends no credentials; the operations it calls need none.
func anonymousClient() *transmute.Client {
	return transmute.NewClient(option.WithBaseURL(environment.URL), option.WithAPIKey(""))
}

var users atomic.Int64

// user is an account signed up for one test: its own rate-limit window and data.
type user struct {
	email   transmute.Email
	session *transmute.Session
	client  *transmute.Client
}

func signUp(t *testing.T) user {
	t.Helper()
	email := transmute.Email(fmt.Sprintf("go-contract-%d-%d@example.com", users.Add(1), time.Now().UnixNano()))
	session, err := anonymousClient().Auth.SignUp(ctx(t), transmute.SignupRequest{Email: email, Password: password, Name: transmute.Ptr("Go contract")})
	must(t, err)
	if session.Account.Email != email || session.Tokens.AccessToken == "" || session.Tokens.TokenType != transmute.Bearer {
		t.Fatalf("sign-up answered %+v", session)
	}
	return user{email: email, session: session, client: withToken(session.Tokens.AccessToken)}
}

func withToken(token string) *transmute.Client {
	return transmute.NewClient(option.WithBaseURL(environment.URL), option.WithAPIKey(token))
}

// ctx bounds each test's calls so a hung request fails the test instead of the whole run.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantError checks that err is the API's answer with status and catalog code.
func wantError(t *testing.T, err error, status int, code string) {
	t.Helper()
	var apiErr *transmute.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != status || apiErr.Code != code || apiErr.RequestID == "" {
		t.Fatalf("want a %d %s *transmute.Error with a request id, got %v", status, code, err)
	}
}

func TestOperationsEndpoints(t *testing.T) {
	client := anonymousClient()
	health, err := client.Operations.GetHealth(ctx(t))
	must(t, err)
	if health.Status != transmute.Pass || health.Version != transmute.Version {
		t.Fatalf("health %+v (SDK version %s)", health, transmute.Version)
	}
	ready, err := client.Operations.GetReadiness(ctx(t))
	must(t, err)
	if ready.Status != transmute.Pass || ready.Checks == nil || len(*ready.Checks) == 0 {
		t.Fatalf("readiness %+v", ready)
	}
	metrics, err := client.Operations.GetMetrics(ctx(t))
	must(t, err)
	if !strings.Contains(string(metrics), "# TYPE http_request_duration_seconds histogram") {
		t.Fatalf("metrics without the request histogram: %.200s", metrics)
	}
	document, err := client.Operations.GetOpenApiDocument(ctx(t))
	must(t, err)
	if info, _ := document["info"].(map[string]any); document["openapi"] != "3.1.0" || info["version"] != transmute.Version {
		t.Fatalf("openapi document %v, info %v", document["openapi"], info)
	}
	reference, err := client.Operations.GetApiReference(ctx(t))
	must(t, err)
	if !strings.Contains(strings.ToLower(string(reference)), "<html") {
		t.Fatalf("api reference is not a page: %.200s", reference)
	}
}
