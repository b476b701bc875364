package transmute_test

import (
	"testing"

	transmute "github.com/transmute-dev/transmute-go"
)

// Keys are managed with a user's token; each works as a credential of its own right away.
func TestApiKeysCreateListRotateRevoke(t *testing.T) {
	keys := signUp(t).client.ApiKeys
	created, err := keys.Create(ctx(t), transmute.ApiKeyCreate{Name: "go contract", Scopes: []transmute.Scope{transmute.JobsRead}})
	must(t, err)
	if created.Secret == "" || created.ApiKey.Name != "go contract" || len(created.ApiKey.Scopes) != 1 {
		t.Fatalf("created %+v", created.ApiKey)
	}
	id := created.ApiKey.Id
	_, err = withToken(created.Secret).Jobs.List(ctx(t), transmute.ListJobsParams{})
	must(t, err)
	// The key holds jobs:read only.
	_, err = withToken(created.Secret).Jobs.Create(ctx(t), transmute.JobCreate{From: transmute.Csv, To: transmute.Json, Input: "a\n1\n"})
	wantError(t, err, 403, "E1105")

	listed := keys.ListAutoPaging(ctx(t), transmute.ListApiKeysParams{Limit: transmute.Ptr[transmute.Limit](1)})
	found := false
	for listed.Next() {
		found = found || listed.Current().Id == id
	}
	must(t, listed.Err())
	if !found {
		t.Fatalf("listApiKeys does not list %s", id)
	}
	key, err := keys.Retrieve(ctx(t), id)
	must(t, err)
	if key.Prefix == "" || !key.RevokedAt.IsNull() {
		t.Fatalf("retrieved %+v", key)
	}

	rotated, err := keys.Rotate(ctx(t), id, &transmute.ApiKeyRotate{GracePeriodSeconds: transmute.Ptr[int32](0)})
	must(t, err)
	if rotated.Secret == created.Secret || rotated.ApiKey.RotatedAt.IsNull() {
		t.Fatalf("rotated %+v", rotated.ApiKey)
	}
	_, err = withToken(rotated.Secret).Jobs.List(ctx(t), transmute.ListJobsParams{})
	must(t, err)

	must(t, keys.Revoke(ctx(t), id))
	key, err = keys.Retrieve(ctx(t), id)
	must(t, err)
	if key.RevokedAt.IsNull() {
		t.Fatalf("revoked key %+v", key)
	}
	_, err = withToken(rotated.Secret).Jobs.List(ctx(t), transmute.ListJobsParams{})
	wantError(t, err, 401, "E1104")
}
