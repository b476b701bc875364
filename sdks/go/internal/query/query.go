// Package query turns a generated Params struct into a query string, reading the `form` tags the
// model generator writes; nil pointers are parameters not passed.
package query

import (
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"time"
)

// Values encodes params (a struct or a pointer to one; nil gives no parameters).
func Values(params any) url.Values {
	out := url.Values{}
	v := reflect.ValueOf(params)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return out
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return out
	}
	for i := 0; i < v.NumField(); i++ {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("form"), ",")
		if name == "" || name == "-" {
			continue
		}
		field := v.Field(i)
		if field.Kind() == reflect.Pointer {
			if field.IsNil() {
				continue
			}
			field = field.Elem()
		}
		out.Set(name, format(field.Interface()))
	}
	return out
}

func format(value any) string {
	if t, ok := value.(time.Time); ok {
		return t.Format(time.RFC3339Nano)
	}
	return fmt.Sprint(value)
}
