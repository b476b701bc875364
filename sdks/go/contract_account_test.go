package transmute_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/oapi-codegen/nullable"
	transmute "github.com/transmute-dev/transmute-go"
	"github.com/transmute-dev/transmute-go/option"
)

// One account from sign-up to erasure: deleteAccount comes last, on the test's own account.
func TestAccountProfileConsentsAuditExportAndErasure(t *testing.T) {
	u := signUp(t)
	me := u.client.Me

	account, err := me.GetAccount(ctx(t))
	must(t, err)
	if account.Email != u.email || account.Plan != transmute.Free || account.Name.MustGet() != "Go contract" {
		t.Fatalf("account %+v", account)
	}
	// A value sets the name; an explicit null clears it (a field left out would leave it alone).
	account, err = me.UpdateAccount(ctx(t), transmute.AccountUpdate{Name: nullable.NewNullableWithValue("Ada")})
	must(t, err)
	if account.Name.MustGet() != "Ada" {
		t.Fatalf("name after update: %+v", account.Name)
	}
	account, err = me.UpdateAccount(ctx(t), transmute.AccountUpdate{Name: nullable.NewNullNullable[string]()})
	must(t, err)
	if !account.Name.IsNull() {
		t.Fatalf("name after clearing: %+v", account.Name)
	}

	consents, err := me.GetConsents(ctx(t))
	must(t, err)
	if len(consents.History) != 0 {
		t.Fatalf("a new account has consent history: %+v", consents)
	}
	consents, err = me.UpdateConsents(ctx(t), transmute.ConsentsUpdate{MarketingEmails: true, ProductAnalytics: false})
	must(t, err)
	if !consents.Consents.MarketingEmails || consents.Consents.ProductAnalytics || len(consents.History) != 1 || consents.UpdatedAt.IsNull() {
		t.Fatalf("consents after update: %+v", consents)
	}

	audit, err := u.client.Audit.ListEvents(ctx(t), transmute.ListAuditEventsParams{Action: transmute.Ptr("consents.updated")})
	must(t, err)
	if len(audit.Data) != 1 || audit.Data[0].Outcome != transmute.Success || audit.Data[0].ActorType != transmute.User {
		t.Fatalf("audit events of the consent change: %+v", audit.Data)
	}

	archive := exportData(t, me)
	if archive.Account.Email != u.email || !archive.Consents.MarketingEmails || archive.FormatVersion < 1 {
		t.Fatalf("archive %+v", archive)
	}

	must(t, me.DeleteAccount(ctx(t)))
	_, err = me.GetAccount(ctx(t))
	wantError(t, err, 401, "E1110")
}

// exportData asks for the account's archive and polls until it is ready: 202 with the export's
// status while it is built (Retry-After says when to ask again), then 200 with the archive.
func exportData(t *testing.T, me *transmute.MeService) *transmute.DataExportArchive {
	t.Helper()
	export, err := me.CreateDataExport(ctx(t))
	must(t, err)
	if export.Status != transmute.DataExportStatusQueued && export.Status != transmute.DataExportStatusRunning {
		t.Fatalf("a new export is %s", export.Status)
	}
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		var response *http.Response
		answer, err := me.GetDataExport(ctx(t), export.Id, option.WithResponseInto(&response))
		must(t, err)
		if answer.DataExportArchive != nil {
			return answer.DataExportArchive
		}
		if response.StatusCode != http.StatusAccepted || answer.DataExport == nil || answer.DataExport.Id != export.Id {
			t.Fatalf("export not ready answered %d %+v", response.StatusCode, answer.DataExport)
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatal("the data export was not ready within a minute")
	return nil
}
