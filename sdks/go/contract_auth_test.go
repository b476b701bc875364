package transmute_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	transmute "github.com/transmute-dev/transmute-go"
	"github.com/transmute-dev/transmute-go/option"
)

// totp is the RFC 6238 code of the base32 secret for the 30-second step `offset` steps from now
// (SHA-1, 6 digits), as an authenticator app computes it.
func totp(t *testing.T, secret string, offset int64) string {
	t.Helper()
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	must(t, err)
	var counter [8]byte
	binary.BigEndian.PutUint64(counter[:], uint64(time.Now().Unix()/30+offset))
	mac := hmac.New(sha1.New, key)
	mac.Write(counter[:])
	sum := mac.Sum(nil)
	at := sum[len(sum)-1] & 0x0f
	return fmt.Sprintf("%06d", (binary.BigEndian.Uint32(sum[at:at+4])&0x7fffffff)%1_000_000)
}

func TestAuthPasswordTokensAndTwoFactor(t *testing.T) {
	u := signUp(t)
	anonymous := anonymousClient()

	login, err := anonymous.Auth.LogIn(ctx(t), transmute.LoginRequest{Email: u.email, Password: password})
	must(t, err)
	if login.MfaRequired || login.Tokens == nil {
		t.Fatalf("log-in without two-factor answered %+v", login)
	}
	_, err = anonymous.Auth.LogIn(ctx(t), transmute.LoginRequest{Email: u.email, Password: "not the password"})
	wantError(t, err, 401, "E1108")

	refreshed, err := anonymous.Auth.RefreshTokens(ctx(t), transmute.RefreshRequest{RefreshToken: login.Tokens.RefreshToken})
	must(t, err)
	if refreshed.RefreshToken == login.Tokens.RefreshToken || refreshed.AccessToken == "" {
		t.Fatalf("refresh did not rotate the refresh token: %+v", refreshed)
	}
	// Refresh tokens are single-use: the spent one is refused (401 is not retried).
	_, err = anonymous.Auth.RefreshTokens(ctx(t), transmute.RefreshRequest{RefreshToken: login.Tokens.RefreshToken})
	wantError(t, err, 401, "E1111")

	setup, err := u.client.Auth.SetUpTwoFactor(ctx(t))
	must(t, err)
	if setup.Secret == "" || !strings.HasPrefix(setup.OtpauthUrl, "otpauth://totp/") {
		t.Fatalf("two-factor setup answered %+v", setup)
	}
	// Each code is accepted once (RFC 6238 §5.2), one step either side of now: enabling spends
	// this step's code, disabling uses the next step's, and the log-in a recovery code.
	recovery, err := u.client.Auth.EnableTwoFactor(ctx(t), transmute.TotpCodeRequest{Code: totp(t, setup.Secret, 0)})
	must(t, err)
	if len(recovery.RecoveryCodes) == 0 {
		t.Fatal("enabling two-factor gave no recovery codes")
	}

	challenge, err := anonymous.Auth.LogIn(ctx(t), transmute.LoginRequest{Email: u.email, Password: password})
	must(t, err)
	if !challenge.MfaRequired || challenge.MfaToken == nil || challenge.Tokens != nil {
		t.Fatalf("log-in with two-factor answered %+v", challenge)
	}
	second, err := anonymous.Auth.CompleteMfaLogin(ctx(t), transmute.MfaLoginRequest{MfaToken: *challenge.MfaToken, Code: recovery.RecoveryCodes[0]})
	must(t, err)
	mfaUser := withToken(second.AccessToken)
	account, err := mfaUser.Me.GetAccount(ctx(t))
	must(t, err)
	if !account.MfaEnabled || account.Email != u.email {
		t.Fatalf("account after two-factor log-in: %+v", account)
	}

	must(t, mfaUser.Auth.DisableTwoFactor(ctx(t), transmute.TotpCodeRequest{Code: totp(t, setup.Secret, 1)}))
	account, err = mfaUser.Me.GetAccount(ctx(t))
	must(t, err)
	if account.MfaEnabled {
		t.Fatal("two-factor still enabled after disableTwoFactor")
	}

	must(t, mfaUser.Auth.LogOut(ctx(t), &transmute.LogoutRequest{AllSessions: transmute.Ptr(true)}))
	_, err = mfaUser.Me.GetAccount(ctx(t))
	wantError(t, err, 401, "E1110")
}

// The SDK returns startOidcSignIn's 302 instead of following it: the caller sends the browser to
// Location with the cookie of Set-Cookie, and the callback completes the sign-in with that cookie.
func TestAuthIdentityProviderSignIn(t *testing.T) {
	const provider = "test" // the environment's OIDC_PROVIDERS
	client := anonymousClient()
	var redirect *http.Response
	must(t, client.Auth.StartOidcSignIn(ctx(t), provider, option.WithResponseInto(&redirect)))
	location, err := redirect.Location()
	must(t, err)
	cookies := redirect.Cookies()
	if redirect.StatusCode != http.StatusFound || location.Query().Get("code_challenge_method") != "S256" || len(cookies) != 1 {
		t.Fatalf("startOidcSignIn answered %d, Location %s, cookies %v", redirect.StatusCode, location, cookies)
	}

	callback, err := url.Parse(signInAtProvider(t, location.String()))
	must(t, err)
	query := callback.Query()
	params := transmute.CompleteOidcSignInParams{Code: transmute.Ptr(query.Get("code")), State: transmute.Ptr(query.Get("state"))}
	// As a browser would: the cookie back, and the provider's other parameters (RFC 9207 `iss`) too.
	browser := []option.RequestOption{option.WithHeader("Cookie", (&http.Cookie{Name: cookies[0].Name, Value: cookies[0].Value}).String())}
	for name := range query {
		if name != "code" && name != "state" {
			browser = append(browser, option.WithQuery(name, query.Get(name)))
		}
	}
	signedIn, err := client.Auth.CompleteOidcSignIn(ctx(t), provider, params, browser...)
	must(t, err)
	if signedIn.MfaRequired || signedIn.Tokens == nil {
		t.Fatalf("completeOidcSignIn answered %+v", signedIn)
	}
	account, err := withToken(signedIn.Tokens.AccessToken).Me.GetAccount(ctx(t))
	must(t, err)
	if !account.EmailVerified {
		t.Fatalf("an account signed in by the provider has an unverified email: %+v", account)
	}

	// The same callback again, without the browser's cookie, is refused (E1117).
	_, err = client.Auth.CompleteOidcSignIn(ctx(t), provider, params)
	wantError(t, err, 400, "E1117")
}
