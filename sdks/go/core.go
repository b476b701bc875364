package transmute

import (
	"context"

	"github.com/transmute-dev/transmute-go/internal/requestconfig"
	"github.com/transmute-dev/transmute-go/option"
)

// execute applies the client's options, then the call's, and sends req. Options are applied per
// call so that a missing API key is reported at the first call that needs one.
func execute(ctx context.Context, clientOpts, callOpts []option.RequestOption, req requestconfig.Request) error {
	cfg, err := requestconfig.Defaults().Apply(append(append([]option.RequestOption{}, clientOpts...), callOpts...)...)
	if err != nil {
		return err
	}
	req.Version = Version
	return requestconfig.Execute(ctx, cfg, req)
}

// Ptr returns a pointer to v, for optional fields and parameters:
//
//	transmute.ConversionOptions{InferTypes: transmute.Ptr(true)}
func Ptr[T any](v T) *T { return &v }
