//go:build js && wasm

// Command wasm is the WebAssembly half of the token debugger: it exposes
// the functions of package [github.com/wardauth/ward/web/ops] to the page's
// JavaScript as globalThis.wardOps, so that the page decodes, verifies,
// signs and decrypts with Ward's own jose packages.
//
// Each function takes one argument, the request as JSON text, and returns
// JSON text: the result, or {"error": "..."}. It is built into
// web/static/ward.wasm by "go generate ./web" (see web/generate.go).
package main

import (
	"encoding/json"
	"syscall/js"
	"time"

	"github.com/wardauth/ward/internal/inspect"
	"github.com/wardauth/ward/web/ops"
)

func main() {
	api := map[string]any{
		"decode": wrap(func(req struct {
			Token string `json:"token"`
			Now   int64  `json:"now"`
		}) (any, error) {
			return ops.Decode(req.Token, clock(req.Now))
		}),
		"verify": wrap(func(req struct {
			ops.VerifyRequest
			Now int64 `json:"now"`
		}) (any, error) {
			return ops.Verify(req.VerifyRequest, clock(req.Now)), nil
		}),
		"sign": wrap(func(req ops.SignRequest) (any, error) {
			tok, err := ops.Sign(req)
			return map[string]string{"token": tok}, err
		}),
		"keygen": wrap(func(req struct {
			Alg string `json:"alg"`
			Crv string `json:"crv"`
		}) (any, error) {
			return ops.Keygen(req.Alg, req.Crv)
		}),
		"convert": wrap(func(req struct {
			Key string `json:"key"`
			Alg string `json:"alg"`
		}) (any, error) {
			return ops.Convert(req.Key, req.Alg)
		}),
		"decrypt": wrap(func(req struct {
			ops.DecryptRequest
			Now int64 `json:"now"`
		}) (any, error) {
			return ops.Decrypt(req.DecryptRequest, clock(req.Now))
		}),
	}
	obj := js.Global().Get("Object").New()
	for name, fn := range api {
		obj.Set(name, fn)
	}
	js.Global().Set("wardOps", obj)
	if ready := js.Global().Get("wardOpsReady"); ready.Type() == js.TypeFunction {
		ready.Invoke()
	}
	select {} // serve calls until the page goes away
}

// clock is the page's clock (milliseconds since 1970), or Go's when 0.
func clock(ms int64) time.Time {
	if ms == 0 {
		return time.Now()
	}
	return time.UnixMilli(ms)
}

// wrap turns fn into a JavaScript function of one JSON text argument that
// returns JSON text.
func wrap[Req any](fn func(Req) (any, error)) js.Func {
	return js.FuncOf(func(this js.Value, args []js.Value) (ret any) {
		defer func() {
			if r := recover(); r != nil {
				ret = errorJSON("internal error")
			}
		}()
		var req Req
		if len(args) != 1 || args[0].Type() != js.TypeString {
			return errorJSON("expected one JSON text argument")
		}
		if err := json.Unmarshal([]byte(args[0].String()), &req); err != nil {
			return errorJSON("bad request: " + err.Error())
		}
		res, err := fn(req)
		if err != nil {
			return errorJSON(inspect.Reason(err))
		}
		b, err := json.Marshal(res)
		if err != nil {
			return errorJSON(err.Error())
		}
		return string(b)
	})
}

func errorJSON(msg string) string {
	b, _ := json.Marshal(map[string]string{"error": msg})
	return string(b)
}
