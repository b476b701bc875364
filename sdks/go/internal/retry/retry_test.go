package retry

import (
	"encoding/json"
	"net/http"
	"os"
	"testing"
	"time"
)

type vectors struct {
	Now               string `json:"now"`
	MaxRetriesDefault int    `json:"max_retries_default"`
	Vectors           []struct {
		Name    string            `json:"name"`
		Status  *int              `json:"status"`
		Headers map[string]string `json:"headers"`
		Attempt int               `json:"attempt"`
		Retry   bool              `json:"retry"`
		Delay   *struct {
			MinMs float64 `json:"min_ms"`
			MaxMs float64 `json:"max_ms"`
		} `json:"delay"`
	} `json:"vectors"`
}

// TestConformance replays sdks/conformance/retries.json with the jitter at both ends of its range.
func TestConformance(t *testing.T) {
	data, err := os.ReadFile("../../../conformance/retries.json")
	if err != nil {
		t.Fatal(err)
	}
	var file vectors
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	now, err := http.ParseTime(file.Now)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range file.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			header := http.Header{}
			for name, value := range v.Headers {
				header.Set(name, value)
			}
			status := 0
			if v.Status != nil {
				status = *v.Status
			}
			if got := ShouldRetry(status, header); got != v.Retry {
				t.Fatalf("ShouldRetry = %v, want %v", got, v.Retry)
			}
			if v.Delay == nil {
				return
			}
			for _, random := range []float64{0, 0.5, 0.999999} {
				delay := Delay(v.Attempt, status, header, now, func() float64 { return random })
				ms := float64(delay) / float64(time.Millisecond)
				if ms < v.Delay.MinMs-0.001 || ms > v.Delay.MaxMs+0.001 {
					t.Errorf("random %v: delay %v ms, want %v–%v", random, ms, v.Delay.MinMs, v.Delay.MaxMs)
				}
			}
		})
	}
}
