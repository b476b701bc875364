package transmute_test

// The README's code, verbatim: every ```go block of README.md is the body of one Example below or
// one whole function of this file (readme_test.go checks both ways). The examples run against the
// contract environment, which TestMain exposes as TRANSMUTE_BASE_URL and TRANSMUTE_API_KEY; their
// // Output comments are checked by go test.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"time"

	transmute "github.com/transmute-dev/transmute-go"
	"github.com/transmute-dev/transmute-go/option"
	"github.com/transmute-dev/transmute-go/webhooks"
)

func Example() {
	ctx := context.Background()
	client := transmute.NewClient() // reads TRANSMUTE_API_KEY and TRANSMUTE_BASE_URL
	conversion, err := client.Conversions.Create(ctx, transmute.ConversionRequest{
		From:    transmute.Csv,
		To:      transmute.Json,
		Input:   "name,age\nAda,36\n",
		Options: &transmute.ConversionOptions{InferTypes: transmute.Ptr(true)},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(conversion.Output)
	// Output: [{"name":"Ada","age":36}]
}

func Example_clientOptions() {
	client := transmute.NewClient(
		option.WithAPIKey(os.Getenv("TRANSMUTE_API_KEY")),
		option.WithBaseURL(os.Getenv("TRANSMUTE_BASE_URL")),
		option.WithMaxRetries(3),
		option.WithRequestTimeout(30*time.Second),
	)
	formats, err := client.Formats.List(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, format := range formats.Data {
		fmt.Println(format.Id, format.MediaType)
	}
	// Output:
	// json application/json
	// ndjson application/x-ndjson
	// csv text/csv
	// tsv text/tab-separated-values
	// yaml application/yaml
	// xml application/xml
}

func Example_userToken() {
	ctx := context.Background()
	session, err := transmute.NewClient().Auth.SignUp(ctx, transmute.SignupRequest{
		Email:    "ada@example.com",
		Password: "correct horse battery staple",
	})
	if err != nil {
		log.Fatal(err)
	}
	// Account operations (me, api keys, audit) take a user's access token in place of a key.
	user := transmute.NewClient(option.WithAPIKey(session.Tokens.AccessToken))
	account, err := user.Me.GetAccount(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(account.Email, account.Plan)
	// Output: ada@example.com free
}

func Example_errors() {
	client := transmute.NewClient()
	_, err := client.Jobs.Retrieve(context.Background(), "job_01jdq7zb3k4m5n6p7q8r9s0t")
	var apiErr *transmute.Error
	switch {
	case errors.As(err, &apiErr):
		// apiErr.RequestID, apiErr.Detail, apiErr.Errors and apiErr.Header are there too.
		fmt.Println(apiErr.StatusCode, apiErr.Code, apiErr.Title)
	case errors.Is(err, transmute.ErrTimeout):
		fmt.Println("the call's deadline passed, retries included")
	case errors.Is(err, transmute.ErrConnection):
		fmt.Println("no answer from the server")
	}
	// Output: 404 E1005 Not found
}

func Example_retriesAndTimeouts() {
	client := transmute.NewClient(option.WithMaxRetries(2)) // every call of this client
	job, err := client.Jobs.Create(context.Background(),
		transmute.JobCreate{From: transmute.Json, To: transmute.Csv, Input: `[{"a":1}]`},
		option.WithMaxRetries(5),                 // this call only
		option.WithRequestTimeout(2*time.Minute), // one deadline for the call, retries included
		option.WithHeader("Idempotency-Key", "nightly-import-2026-11-28"),
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(job.Status)
	// Output: queued
}

func Example_pagination() {
	ctx := context.Background()
	client := transmute.NewClient()
	params := transmute.ListJobsParams{Limit: transmute.Ptr[transmute.Limit](2)}

	// Every item, fetching pages as the loop reaches them.
	var ids []string
	iter := client.Jobs.ListAutoPaging(ctx, params)
	for iter.Next() {
		ids = append(ids, iter.Current().Id)
	}
	if err := iter.Err(); err != nil {
		log.Fatal(err)
	}

	// Page by page.
	count := 0
	page, err := client.Jobs.List(ctx, params)
	for ; err == nil && page != nil; page, err = page.GetNextPage(ctx) {
		count += len(page.Data)
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(ids) == count)
	// Output: true
}

func Example_rawResponse() {
	var response *http.Response
	formats, err := transmute.NewClient().Formats.List(context.Background(), option.WithResponseInto(&response))
	if err != nil {
		log.Fatal(err)
	}
	requestID := response.Header.Get("X-Request-Id") // quote it to support; errors carry it too
	fmt.Println(response.StatusCode, len(formats.Data), requestID != "")
	// Output: 200 6 true
}

func ExampleJobsService_CreateAndWait() {
	ctx := context.Background()
	client := transmute.NewClient()
	job, err := client.Jobs.CreateAndWait(ctx, transmute.JobCreate{
		From:  transmute.Csv,
		To:    transmute.Ndjson,
		Input: "name\nAda\nGrace\n",
	})
	if err != nil {
		log.Fatal(err)
	}
	output, err := client.Jobs.GetResult(ctx, job.Id)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(job.Status)
	fmt.Print(string(output))
	// Output:
	// succeeded
	// {"name":"Ada"}
	// {"name":"Grace"}
}

func ExampleJobsService_StreamEvents() {
	ctx := context.Background() // canceling ctx ends the stream
	client := transmute.NewClient()
	job, err := client.Jobs.Create(ctx, transmute.JobCreate{From: transmute.Csv, To: transmute.Json, Input: "name\nAda\n"})
	if err != nil {
		log.Fatal(err)
	}
	stream, err := client.Jobs.StreamEvents(ctx, job.Id)
	if err != nil {
		log.Fatal(err)
	}
	defer stream.Close()
	for stream.Next() {
		// "progress" events while the job changes, then one "status" event when it is final.
		event := stream.Current()
		if event.Event == "status" {
			fmt.Println(event.Data.Status) // Data is the Job as the event saw it
		}
	}
	if err := stream.Err(); err != nil {
		log.Fatal(err) // resume with option.WithHeader("Last-Event-ID", <the last event's ID>)
	}
	// Output: succeeded
}

func ExampleMeService_GetDataExport() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // bounds the polling too
	defer cancel()
	session, err := transmute.NewClient().Auth.SignUp(ctx, transmute.SignupRequest{
		Email:    "grace@example.com",
		Password: "correct horse battery staple",
	})
	if err != nil {
		log.Fatal(err)
	}
	me := transmute.NewClient(option.WithAPIKey(session.Tokens.AccessToken)).Me
	export, err := me.CreateDataExport(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for {
		answer, err := me.GetDataExport(ctx, export.Id)
		if err != nil {
			log.Fatal(err)
		}
		if archive := answer.DataExportArchive; archive != nil { // 200: ready
			fmt.Println(archive.Account.Email)
			break
		}
		time.Sleep(time.Second) // 202: answer.DataExport says where it is
	}
	// Output: grace@example.com
}

func Example_oidcSignIn() {
	var redirect *http.Response
	// "test" is a provider name of the server's OIDC_PROVIDERS.
	err := transmute.NewClient().Auth.StartOidcSignIn(context.Background(), "test", option.WithResponseInto(&redirect))
	if err != nil {
		log.Fatal(err)
	}
	// Send the browser to Location with the cookie of Set-Cookie: the provider sends it back to
	// the callback (completeOidcSignIn), which needs that cookie.
	location, err := redirect.Location()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(redirect.StatusCode, location.Query().Get("code_challenge_method"), len(redirect.Cookies()))
	// Output: 302 S256 1
}

// webhookHandler receives Transmute's deliveries. It verifies each against the endpoint's
// secrets (during a rotation, the new and the previous one) before trusting it.
func webhookHandler(secrets ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		payload, err := io.ReadAll(r.Body) // the raw body: the signature covers its exact bytes
		if err != nil {
			http.Error(w, "cannot read the body", http.StatusBadRequest)
			return
		}
		event, err := webhooks.Verify(payload, r.Header, secrets...)
		if err != nil {
			http.Error(w, "invalid signature", http.StatusBadRequest)
			return
		}
		log.Printf("webhook %s: %s", event.Id, event.Type) // act on it here, once per event id
		w.WriteHeader(http.StatusNoContent)
	})
}
