// Package webhooks verifies and parses the events Transmute sends, per Standard Webhooks
// (standardwebhooks.com, "Verifying webhooks"): HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<body>`
// keyed by the base64 secret after `whsec_`, sent as space-separated `v1,<base64>` entries.
package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	transmute "github.com/transmute-dev/transmute-go"
)

// Tolerance is how far a message's timestamp may be from now, so a captured request cannot be
// replayed later.
const Tolerance = 5 * time.Minute

// ErrVerification is wrapped by every verification failure; test with errors.Is.
var ErrVerification = errors.New("transmute: webhook verification failed")

// Verify checks payload (the raw body, exactly as received) against header with each of secrets
// (several during a rotation) and returns the parsed event.
func Verify(payload []byte, header http.Header, secrets ...string) (*transmute.Event, error) {
	return VerifyAt(payload, header, time.Now(), secrets...)
}

// VerifyAt is [Verify] with the clock given, for tests and replays.
func VerifyAt(payload []byte, header http.Header, now time.Time, secrets ...string) (*transmute.Event, error) {
	if err := checkSignature(payload, header, now, secrets); err != nil {
		return nil, err
	}
	event := new(transmute.Event)
	if err := json.Unmarshal(payload, event); err != nil {
		return nil, fmt.Errorf("%w: the payload is not an event: %w", ErrVerification, err)
	}
	return event, nil
}

// Unwrap is [Verify] under the name the other SDKs use for "verify and parse".
func Unwrap(payload []byte, header http.Header, secrets ...string) (*transmute.Event, error) {
	return Verify(payload, header, secrets...)
}

// UnwrapAt is [VerifyAt] under the name the other SDKs use for "verify and parse".
func UnwrapAt(payload []byte, header http.Header, now time.Time, secrets ...string) (*transmute.Event, error) {
	return VerifyAt(payload, header, now, secrets...)
}

func checkSignature(payload []byte, header http.Header, now time.Time, secrets []string) error {
	id, timestamp, signatures := header.Get("Webhook-Id"), header.Get("Webhook-Timestamp"), strings.Join(header.Values("Webhook-Signature"), " ")
	if id == "" || timestamp == "" || signatures == "" {
		return fmt.Errorf("%w: missing webhook-id, webhook-timestamp or webhook-signature header", ErrVerification)
	}
	seconds, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil || strings.HasPrefix(timestamp, "+") || strings.HasPrefix(timestamp, "-") {
		return fmt.Errorf("%w: invalid webhook-timestamp header", ErrVerification)
	}
	if drift := now.Sub(time.Unix(seconds, 0)); drift > Tolerance || drift < -Tolerance {
		return fmt.Errorf("%w: timestamp outside the 5 minute tolerance", ErrVerification)
	}
	var candidates [][]byte
	for _, entry := range strings.Fields(signatures) {
		if sig, ok := strings.CutPrefix(entry, "v1,"); ok {
			if raw, err := base64.StdEncoding.DecodeString(sig); err == nil {
				candidates = append(candidates, raw)
			}
		}
	}
	signed := []byte(id + "." + timestamp + "." + string(payload))
	for _, secret := range secrets {
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
		if err != nil {
			continue
		}
		mac := hmac.New(sha256.New, key)
		mac.Write(signed)
		expected := mac.Sum(nil)
		for _, candidate := range candidates {
			if hmac.Equal(candidate, expected) {
				return nil
			}
		}
	}
	return fmt.Errorf("%w: no signature matches the secret(s)", ErrVerification)
}
