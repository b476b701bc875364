package transmute_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	transmute "github.com/transmute-dev/transmute-go"
)

// Usage is metered off the request path and flushed every second, so the test polls for the
// conversion it made.
func TestUsageAndExport(t *testing.T) {
	client := keyClient()
	_, err := client.Conversions.Create(ctx(t), transmute.ConversionRequest{From: transmute.Json, To: transmute.Yaml, Input: `{"a":1}`})
	must(t, err)
	from, to := time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	var usage *transmute.Usage
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Second) {
		usage, err = client.Usage.Retrieve(ctx(t), transmute.GetUsageParams{From: from, To: to, Granularity: transmute.Ptr(transmute.GetUsageParamsGranularityHour)})
		must(t, err)
		if slices.ContainsFunc(usage.Data, func(row transmute.UsageRow) bool { return row.Operation == "createConversion" && row.Requests > 0 }) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no createConversion usage within 30 s: %+v", usage.Data)
		}
	}
	if usage.Granularity != transmute.UsageGranularityHour {
		t.Fatalf("usage granularity %s", usage.Granularity)
	}
	csv, err := client.Usage.Export(ctx(t), transmute.ExportUsageParams{From: from, To: to})
	must(t, err)
	if !strings.HasPrefix(string(csv), "day,operation,requests,errors,bytes_in,bytes_out,avg_latency_ms,statuses\r\n") || !strings.Contains(string(csv), ",createConversion,") {
		t.Fatalf("usage export %q", csv)
	}
}
