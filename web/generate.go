package web

// The WebAssembly half of the debugger (web/wasm, Ward's jose packages) and
// the Go runtime's JavaScript glue are generated into static/ and checked
// in, so that building Ward needs neither a second toolchain run nor Node.
// The build is reproducible: -trimpath, no VCS stamp, fixed flags, and the
// glue of the same Go toolchain; CI (.ci/run) rebuilds both and fails if
// they differ from the checked-in files. Regenerate with:
//
//	go generate ./web
//
//go:generate env GOOS=js GOARCH=wasm GOWASM= CGO_ENABLED=0 GOFLAGS= go build -trimpath -buildvcs=false "-ldflags=-s -w -buildid=" -o static/ward.wasm ./wasm
//go:generate cp $GOROOT/lib/wasm/wasm_exec.js static/wasm_exec.js
