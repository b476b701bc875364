package transmute_test

import (
	"slices"
	"testing"

	transmute "github.com/transmute-dev/transmute-go"
)

func TestFormatsAndConversions(t *testing.T) {
	client := keyClient()
	formats, err := client.Formats.List(ctx(t))
	must(t, err)
	csv := slices.IndexFunc(formats.Data, func(f transmute.FormatDescription) bool { return f.Id == transmute.Csv })
	if len(formats.Data) != 6 || csv < 0 || !slices.Contains(formats.Data[csv].ConvertsTo, transmute.Json) {
		t.Fatalf("formats %+v", formats.Data)
	}

	conversion, err := client.Conversions.Create(ctx(t), transmute.ConversionRequest{
		From: transmute.Csv, To: transmute.Json, Input: "name,age\nAda,36\n",
		Options: &transmute.ConversionOptions{InferTypes: transmute.Ptr(true)},
	})
	must(t, err)
	if conversion.Output != "[{\"name\":\"Ada\",\"age\":36}]\n" || conversion.Stats.Records.MustGet() != 1 {
		t.Fatalf("conversion %+v", conversion)
	}
	_, err = client.Conversions.Create(ctx(t), transmute.ConversionRequest{From: transmute.Json, To: transmute.Csv, Input: "{"})
	wantError(t, err, 422, "E1201")

	batch, err := client.Conversions.CreateBatch(ctx(t), transmute.ConversionBatchRequest{Items: []transmute.ConversionRequest{
		{From: transmute.Json, To: transmute.Yaml, Input: `{"a":1}`},
		{From: transmute.Json, To: transmute.Yaml, Input: "{"},
	}})
	must(t, err)
	if batch.Succeeded != 1 || batch.Failed != 1 || batch.Data[0].Result == nil || batch.Data[1].Error == nil || batch.Data[1].Error.Code != "E1201" {
		t.Fatalf("batch %+v", batch)
	}
}
