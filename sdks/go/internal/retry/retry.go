// Package retry decides when a failed attempt is retried and how long to wait (SDK.md "Retries");
// the vectors in sdks/conformance/retries.json pin every rule here.
package retry

import (
	"math"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

const (
	// maxHint is the longest server hint honoured; a longer one falls back to the backoff.
	maxHint   = 60 * time.Second
	baseDelay = 500 * time.Millisecond
	maxDelay  = 8 * time.Second
)

// ShouldRetry reports whether a response (status 0: no response at all) is worth retrying.
func ShouldRetry(status int, header http.Header) bool {
	switch header.Get("X-Should-Retry") {
	case "true":
		return true
	case "false":
		return false
	}
	return status == 0 || status == 408 || status == 409 || status == 429 || status >= 500
}

// Delay is the wait before retry number attempt (0 for the first): the server's hint when it is
// within 60 s, else min(0.5 s × 2^attempt, 8 s) × a random factor in [0.75, 1.0].
func Delay(attempt int, status int, header http.Header, now time.Time, random func() float64) time.Duration {
	if hint, ok := usable(serverHint(status, header, now)); ok {
		return hint
	}
	base := math.Min(float64(baseDelay)*math.Pow(2, float64(attempt)), float64(maxDelay))
	if random == nil {
		random = rand.Float64
	}
	return time.Duration(base * (1 - 0.25*random()))
}

// PollHint is the wait a job's answer asks for before it is polled again: Retry-After-Ms, else
// Retry-After, when within 60 s; false leaves the polling schedule in charge.
func PollHint(header http.Header, now time.Time) (time.Duration, bool) {
	return usable(serverHint(0, header, now))
}

func usable(hint time.Duration, ok bool) (time.Duration, bool) {
	return hint, ok && hint >= 0 && hint <= maxHint
}

// draft-ietf-httpapi-ratelimit-headers: `RateLimit: "policy";r=0;t=<seconds until reset>`.
var rateLimitReset = regexp.MustCompile(`(?:^|;)\s*t=(\d+)`)

func serverHint(status int, header http.Header, now time.Time) (time.Duration, bool) {
	if header == nil {
		return 0, false
	}
	if ms, err := strconv.ParseFloat(strings.TrimSpace(header.Get("Retry-After-Ms")), 64); err == nil {
		return time.Duration(ms * float64(time.Millisecond)), true
	}
	if value := strings.TrimSpace(header.Get("Retry-After")); value != "" {
		if seconds, err := strconv.ParseFloat(value, 64); err == nil {
			return time.Duration(seconds * float64(time.Second)), true
		}
		if date, err := http.ParseTime(value); err == nil {
			return date.Sub(now), true
		}
	}
	if status == 429 {
		if m := rateLimitReset.FindStringSubmatch(header.Get("RateLimit")); m != nil {
			seconds, _ := strconv.Atoi(m[1])
			return time.Duration(seconds) * time.Second, true
		}
	}
	return 0, false
}
