package transmute_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	transmute "github.com/transmute-dev/transmute-go"
	"github.com/transmute-dev/transmute-go/option"
)

type liveServer struct {
	URL   string `json:"url"`
	Key   string `json:"key"`
	Token string `json:"token"`
}

// startLiveServer runs test/start-server.ts (the real server on the real PostgreSQL) and stops it
// by closing its stdin when the test ends. It needs TRANSMUTE_CONTRACT=1 (run-tests.sh sets it),
// Node 24 (TRANSMUTE_NODE, else the repository's .tools) and DATABASE_URL.
func startLiveServer(t *testing.T) liveServer {
	t.Helper()
	if os.Getenv("TRANSMUTE_CONTRACT") != "1" {
		t.Skip("contract test: set TRANSMUTE_CONTRACT=1 (sdks/go/run-tests.sh does)")
	}
	node := os.Getenv("TRANSMUTE_NODE")
	if node == "" {
		node, _ = filepath.Abs("../../.tools/node-24.22.3/bin/node")
	}
	cmd := exec.Command(node, "test/start-server.ts")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", node, err)
	}
	t.Cleanup(func() {
		_ = stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	line := make(chan string, 1)
	go func() {
		text, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- text
	}()
	var server liveServer
	select {
	case text := <-line:
		if err := json.Unmarshal([]byte(text), &server); err != nil {
			t.Fatalf("the server helper printed %q: %v", text, err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the server helper did not start within 60 s")
	}
	return server
}

func TestContractAgainstTheRealServer(t *testing.T) {
	server := startLiveServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	withKey := transmute.NewClient(option.WithBaseURL(server.URL), option.WithAPIKey(server.Key))
	asUser := transmute.NewClient(option.WithBaseURL(server.URL), option.WithAPIKey(server.Token))

	formats, err := withKey.Formats.List(ctx)
	if err != nil || len(formats.Data) == 0 {
		t.Fatalf("formats: %+v, %v", formats, err)
	}
	conversion, err := withKey.Conversions.Create(ctx, transmute.ConversionRequest{From: "csv", To: "json", Input: "a,b\n1,2\n"})
	if err != nil || !strings.Contains(conversion.Output, `"a"`) {
		t.Fatalf("conversion: %+v, %v", conversion, err)
	}
	job, err := withKey.Jobs.CreateAndWait(ctx, transmute.JobCreate{From: "csv", To: "ndjson", Input: "a\n1\n2\n"})
	if err != nil || job.Status != transmute.JobStatusSucceeded {
		t.Fatalf("job: %+v, %v", job, err)
	}
	result, err := withKey.Jobs.GetResult(ctx, job.Id)
	if err != nil || !strings.Contains(string(result), `"a"`) {
		t.Fatalf("job result: %q, %v", result, err)
	}
	account, err := asUser.Me.GetAccount(ctx)
	if err != nil || account.Id == "" {
		t.Fatalf("me: %+v, %v", account, err)
	}
	keys := asUser.ApiKeys.ListAutoPaging(ctx, transmute.ListApiKeysParams{})
	for keys.Next() {
		if keys.Current().Id == "" {
			t.Fatal("an api key without id")
		}
	}
	if err := keys.Err(); err != nil {
		t.Fatalf("api keys: %v", err)
	}
}
