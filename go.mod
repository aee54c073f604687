module github.com/wirekit/wirekit

go 1.26

require (
	github.com/davecgh/go-xdr v0.0.0-20161123171359-e6a2ba005892
	github.com/stellar/go-xdr v0.0.0-20260828180817-2b1309f8a5a6
)
