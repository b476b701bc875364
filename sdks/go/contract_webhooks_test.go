package transmute_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oapi-codegen/nullable"
	transmute "github.com/transmute-dev/transmute-go"
	"github.com/transmute-dev/transmute-go/webhooks"
)

// delivery is one request the receiver got and what the README's handler answered.
type delivery struct {
	payload []byte
	header  http.Header
	status  int
}

// receiver is a loopback webhook endpoint (the environment allows 127.0.0.1 as a target) that
// hands every request to the README's webhookHandler and records it.
type receiver struct {
	*httptest.Server
	mu         sync.Mutex
	handler    http.Handler
	deliveries chan delivery
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{handler: http.NotFoundHandler(), deliveries: make(chan delivery, 16)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		payload, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(payload))
		r.mu.Lock()
		handler := r.handler
		r.mu.Unlock()
		recorder := httptest.NewRecorder()
		handler.ServeHTTP(recorder, req)
		r.deliveries <- delivery{payload: payload, header: req.Header.Clone(), status: recorder.Code}
		w.WriteHeader(recorder.Code)
	}))
	t.Cleanup(r.Close)
	return r
}

// verifyWith makes the README's handler check deliveries against secrets from now on.
func (r *receiver) verifyWith(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.handler = webhookHandler(secrets...)
}

func (r *receiver) next(t *testing.T) delivery {
	t.Helper()
	select {
	case d := <-r.deliveries:
		if d.status != http.StatusNoContent {
			t.Fatalf("the webhook handler answered %d: the delivery did not verify", d.status)
		}
		return d
	case <-time.After(time.Minute):
		t.Fatal("no webhook delivery within a minute")
		return delivery{}
	}
}

func TestWebhooksEndpointsEventsDeliveriesAndReplay(t *testing.T) {
	u := signUp(t)
	hooks := u.client.Webhooks
	target := newReceiver(t)

	created, err := hooks.CreateEndpoint(ctx(t), transmute.WebhookEndpointCreate{
		Url: target.URL + "/transmute", Events: []transmute.EventType{transmute.JobFailed}, Description: transmute.Ptr("go contract"),
	})
	must(t, err)
	endpoint := created.Endpoint
	if !endpoint.Enabled || !strings.HasPrefix(created.Secret, "whsec_") {
		t.Fatalf("created %+v", endpoint)
	}
	target.verifyWith(created.Secret)

	listed, err := hooks.ListEndpoints(ctx(t), transmute.ListWebhookEndpointsParams{})
	must(t, err)
	if len(listed.Data) != 1 || listed.Data[0].Id != endpoint.Id {
		t.Fatalf("listed %+v", listed.Data)
	}
	updated, err := hooks.UpdateEndpoint(ctx(t), endpoint.Id, transmute.WebhookEndpointUpdate{
		Events: &[]transmute.EventType{transmute.JobSucceeded, transmute.JobFailed}, Description: nullable.NewNullNullable[string](),
	})
	must(t, err)
	if len(updated.Events) != 2 || !updated.Description.IsNull() {
		t.Fatalf("updated %+v", updated)
	}
	fetched, err := hooks.GetEndpoint(ctx(t), endpoint.Id)
	must(t, err)
	if !slices.Equal(fetched.Events, updated.Events) || fetched.Url != endpoint.Url {
		t.Fatalf("fetched %+v", fetched)
	}

	job, err := u.client.Jobs.CreateAndWait(ctx(t), transmute.JobCreate{From: transmute.Json, To: transmute.Yaml, Input: `{"a":1}`})
	must(t, err)
	first := target.next(t)
	event, err := webhooks.Verify(first.payload, first.header, created.Secret)
	must(t, err)
	if event.Type != transmute.JobSucceeded || event.Data["job_id"] == nil || *event.Data["job_id"] != job.Id {
		t.Fatalf("delivered event %+v", event)
	}
	events, err := hooks.ListEvents(ctx(t), transmute.ListEventsParams{Type: transmute.Ptr(transmute.JobSucceeded)})
	must(t, err)
	if len(events.Data) != 1 || events.Data[0].Id != event.Id {
		t.Fatalf("listed events %+v", events.Data)
	}
	waitForDelivery(t, hooks, endpoint.Id, event.Id)

	// After a rotation both secrets sign during the grace period; the handler accepts either,
	// and the replayed delivery verifies with the new secret alone.
	rotated, err := hooks.RotateSecret(ctx(t), endpoint.Id)
	must(t, err)
	if rotated.Secret == created.Secret || rotated.Endpoint.SecretRotatedAt.IsNull() {
		t.Fatalf("rotated %+v", rotated.Endpoint)
	}
	target.verifyWith(rotated.Secret, created.Secret)
	replay, err := hooks.ReplayEvent(ctx(t), event.Id, &transmute.EventReplay{EndpointId: transmute.Ptr(endpoint.Id)})
	must(t, err)
	if replay.Endpoints != 1 || replay.EventId != event.Id {
		t.Fatalf("replay %+v", replay)
	}
	again := target.next(t)
	replayed, err := webhooks.Verify(again.payload, again.header, rotated.Secret)
	must(t, err)
	if replayed.Id != event.Id {
		t.Fatalf("replayed %s, want %s", replayed.Id, event.Id)
	}

	must(t, hooks.DeleteEndpoint(ctx(t), endpoint.Id))
	_, err = hooks.GetEndpoint(ctx(t), endpoint.Id)
	wantError(t, err, 404, "E1005")
}

// waitForDelivery polls the endpoint's deliveries until the event's is recorded as succeeded
// (the record is written after the receiver answered).
func waitForDelivery(t *testing.T, hooks *transmute.WebhooksService, endpointID, eventID string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		deliveries, err := hooks.ListDeliveries(ctx(t), endpointID, transmute.ListWebhookDeliveriesParams{})
		must(t, err)
		for _, d := range deliveries.Data {
			if d.EventId == eventID && d.Status == transmute.WebhookDeliveryStatusSucceeded && d.ResponseStatus.MustGet() == http.StatusNoContent {
				return
			}
		}
	}
	t.Fatalf("no succeeded delivery of %s listed within 30 s", eventID)
}
