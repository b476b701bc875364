package transmute_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// environment is the shared contract environment (sdks/conformance/contract/server.ts): the real
// server on its own database of the real PostgreSQL and a real OpenID provider. One per run of this
// package, so the coverage it reports at the end is the union of every test and example.
var environment struct {
	URL       string `json:"url"`
	Key       string `json:"key"`
	DriverURL string `json:"driver_url"`
}

// TestMain starts the contract environment, points the examples at it through TRANSMUTE_BASE_URL
// and TRANSMUTE_API_KEY, runs the package, and fails the run when the environment reports an
// operation of the spec that no request reached (exit code 3). A run narrowed with -run cannot
// reach every operation, so there the report is printed but only the tests decide.
func TestMain(m *testing.M) {
	flag.Parse()
	stop, err := startEnvironment()
	if err != nil {
		fmt.Fprintf(os.Stderr, "contract environment: %v\n", err)
		os.Exit(1)
	}
	os.Setenv("TRANSMUTE_BASE_URL", environment.URL)
	os.Setenv("TRANSMUTE_API_KEY", environment.Key)
	code := m.Run()
	exit := stop()
	narrowed := flag.Lookup("test.run").Value.String() != "" || flag.Lookup("test.skip").Value.String() != ""
	switch {
	case exit == 3 && narrowed:
		fmt.Fprintln(os.Stderr, "contract coverage not enforced: the run was narrowed with -run or -skip")
	case exit != 0:
		fmt.Fprintf(os.Stderr, "contract environment exited with %d\n", exit)
		code = max(code, 1)
	}
	os.Exit(code)
}

// startEnvironment runs the environment's process; closing its stdin (stop) makes it print the
// coverage report on stderr, which goes straight to this run's output, and exit.
func startEnvironment() (stop func() int, err error) {
	cmd := exec.Command(nodeBinary(), "../conformance/contract/server.ts")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s (Node 24: set TRANSMUTE_NODE): %w", cmd.Path, err)
	}
	stop = func() int {
		_ = stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				return exit.ExitCode()
			}
			if err != nil {
				return 1
			}
			return 0
		case <-time.After(60 * time.Second):
			_ = cmd.Process.Kill()
			fmt.Fprintln(os.Stderr, "the contract environment did not stop within 60 s")
			return 1
		}
	}
	line := make(chan []byte, 1)
	go func() {
		text, _ := bufio.NewReader(stdout).ReadBytes('\n')
		line <- text
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case text := <-line:
		if err := json.Unmarshal(text, &environment); err != nil {
			stop()
			return nil, fmt.Errorf("it printed %q instead of its addresses (its errors are above): %w", text, err)
		}
		return stop, nil
	case <-time.After(90 * time.Second):
		stop()
		return nil, errors.New("it did not start within 90 s")
	}
}

// nodeBinary is TRANSMUTE_NODE, else the repository's Node 24 (see scripts/install-node.sh), else
// node on PATH.
func nodeBinary() string {
	if node := os.Getenv("TRANSMUTE_NODE"); node != "" {
		return node
	}
	if node, err := filepath.Abs("../../.tools/node-24.22.3/bin/node"); err == nil {
		if _, err := os.Stat(node); err == nil {
			return node
		}
	}
	return "node"
}

// signInAtProvider plays the browser at the environment's identity provider, from the Location of
// startOidcSignIn to the callback URL the provider sends the browser back to.
func signInAtProvider(t *testing.T, authorizationURL string) string {
	t.Helper()
	request, _ := json.Marshal(map[string]string{"authorization_url": authorizationURL})
	response, err := http.Post(environment.DriverURL+"/oidc/sign-in", "application/json", bytes.NewReader(request))
	if err != nil {
		t.Fatal(err)
	}
	defer response.Body.Close()
	var answer struct {
		CallbackURL string `json:"callback_url"`
		Error       string `json:"error"`
	}
	if err := json.NewDecoder(response.Body).Decode(&answer); err != nil || response.StatusCode != http.StatusOK {
		t.Fatalf("signing in at the provider: %d %+v %v", response.StatusCode, answer, err)
	}
	return answer.CallbackURL
}
