module github.com/transmute-dev/transmute-go

go 1.22

require (
	github.com/oapi-codegen/nullable v1.2.0
	github.com/oapi-codegen/runtime v1.1.1
)

require github.com/google/uuid v1.5.0 // indirect
