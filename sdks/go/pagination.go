package transmute

import (
	"context"
	"encoding/json"
	"net/url"

	"github.com/transmute-dev/transmute-go/internal/requestconfig"
	"github.com/transmute-dev/transmute-go/option"
)

// Page is one page of a cursor-paginated list.
type Page[T any] struct {
	Data []T `json:"data"`
	// NextCursor is the cursor of the next page; nil on the last page.
	NextCursor *string `json:"next_cursor"`

	fetch func(ctx context.Context, cursor string) (*Page[T], error)
	raw   json.RawMessage
}

// RawJSON is the page exactly as received, fields the SDK does not know included.
func (p *Page[T]) RawJSON() json.RawMessage { return p.raw }

// UnmarshalJSON keeps the raw page beside the decoded fields.
func (p *Page[T]) UnmarshalJSON(data []byte) error {
	type fields Page[T]
	if err := json.Unmarshal(data, (*fields)(p)); err != nil {
		return err
	}
	p.raw = append(json.RawMessage{}, data...)
	return nil
}

// HasNextPage reports whether [Page.GetNextPage] has a page to fetch.
func (p *Page[T]) HasNextPage() bool { return p.NextCursor != nil && *p.NextCursor != "" }

// GetNextPage fetches the page after p; it returns nil and no error after the last page.
func (p *Page[T]) GetNextPage(ctx context.Context) (*Page[T], error) {
	if !p.HasNextPage() {
		return nil, nil
	}
	return p.fetch(ctx, *p.NextCursor)
}

// listPage fetches the page of a list operation at cursor ("" for the first).
func listPage[T any](ctx context.Context, clientOpts, callOpts []option.RequestOption, req requestconfig.Request, cursor string) (*Page[T], error) {
	query := url.Values{}
	for name, values := range req.Query {
		query[name] = values
	}
	if cursor != "" {
		query.Set("cursor", cursor)
	}
	page := &Page[T]{}
	call := req
	call.Query, call.Out = query, page
	if err := execute(ctx, clientOpts, callOpts, call); err != nil {
		return nil, err
	}
	page.fetch = func(ctx context.Context, next string) (*Page[T], error) {
		return listPage[T](ctx, clientOpts, callOpts, req, next)
	}
	return page, nil
}

// AutoPager walks every item of a list across pages, fetching each page when it is reached:
//
//	iter := client.Jobs.ListAutoPaging(ctx, transmute.ListJobsParams{})
//	for iter.Next() { job := iter.Current() }
//	if err := iter.Err(); err != nil { ... }
type AutoPager[T any] struct {
	ctx   context.Context
	page  *Page[T]
	index int
	err   error
}

func newAutoPager[T any](ctx context.Context, page *Page[T], err error) *AutoPager[T] {
	return &AutoPager[T]{ctx: ctx, page: page, index: -1, err: err}
}

// Next advances to the next item, fetching pages as needed (empty pages with a cursor are followed).
func (a *AutoPager[T]) Next() bool {
	if a.err != nil || a.page == nil {
		return false
	}
	a.index++
	for a.index >= len(a.page.Data) {
		next, err := a.page.GetNextPage(a.ctx)
		if err != nil || next == nil {
			a.err, a.page = err, nil
			return false
		}
		a.page, a.index = next, 0
	}
	return true
}

// Current is the item Next moved to.
func (a *AutoPager[T]) Current() T { return a.page.Data[a.index] }

// Err is the error that stopped the iteration, if any.
func (a *AutoPager[T]) Err() error { return a.err }
