module github.com/wirekit/wirekit

go 1.26

require (
	github.com/davecgh/go-xdr v0.0.0-20161123171359-e6a2ba005892
	github.com/huandu/go-clone v1.7.3
	github.com/libp2p/go-msgio v0.3.0
	github.com/mohae/deepcopy v0.0.0-20170929034955-c48cc78d4826
	github.com/stellar/go-xdr v0.0.0-20260828180817-2b1309f8a5a6
)

require (
	github.com/libp2p/go-buffer-pool v0.0.2 // indirect
	github.com/multiformats/go-varint v0.0.6 // indirect
)
