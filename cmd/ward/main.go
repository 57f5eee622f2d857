// Command ward makes keys, signs, verifies, encrypts, decrypts and decodes
// JSON Web Tokens, and runs and administers Ward's auth server.
//
// Run "ward help" for the list of commands, and "ward help COMMAND" for the
// flags and worked examples of one.
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `Usage: ward COMMAND [flags] [args]

Commands:
    keygen      generate a signing or encryption key (JWK) and print its public half
    sign        sign claims into a token
    verify      verify a token and print its claims
    encrypt     encrypt content into a JWE
    decrypt     decrypt a JWE and print its content
    decode      show what a token contains, without verifying it
    thumbprint  print the RFC 7638 thumbprint of a key
    serve       run the auth server (with the token debugger at /debugger/)
    debug       serve the token debugger page alone
    user        manage accounts: add, list, set-role, disable, enable, delete, ...
    audit       print the audit log, with filters
    keys        manage signing keys: list, rotate; new-kek
    client      manage OAuth clients: add, list
    backup      copy the store to a file while the server runs
    migrate     copy a SQLite store into an empty PostgreSQL one
    forward-auth
                answer the auth checks of nginx, Traefik and Envoy
    version     print the version of ward
    help        show the usage of a command

Run "ward help COMMAND" or "ward COMMAND -h" for the flags of a command.

Exit status: 0 on success, 1 when a token is invalid or an operation
fails, 2 on a usage error.

Examples:
    $ ward keygen --alg ES256 --out key.jwk --public key.pub.jwk
    $ ward sign --key key.jwk --iss https://auth.example --aud api --sub alice > token.txt
    $ ward verify --key key.pub.jwk --iss https://auth.example --aud api token.txt
    $ ward decode token.txt
    $ ward encrypt --key enc.pub.jwk secret.txt > secret.jwe
    $ ward decrypt --key enc.jwk secret.jwe
    $ ward serve
`

// Exit statuses.
const (
	exitOK      = 0
	exitInvalid = 1 // an invalid token or a failed operation
	exitUsage   = 2
)

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// run runs the ward command line args and returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, args := args[0], args[1:]
	// One case per command, each in its own file.
	switch cmd {
	case "keygen":
		return runKeygen(e, args)
	case "sign":
		return runSign(e, args)
	case "verify":
		return runVerify(e, args)
	case "encrypt":
		return runEncrypt(e, args)
	case "decrypt":
		return runDecrypt(e, args)
	case "decode":
		return runDecode(e, args)
	case "thumbprint":
		return runThumbprint(e, args)
	case "serve":
		return runServe(e, args)
	case "debug":
		return runDebug(e, args)
	case "user":
		return runUser(e, args)
	case "audit":
		return runAudit(e, args)
	case "keys":
		return runKeys(e, args)
	case "client":
		return runClient(e, args)
	case "backup":
		return runBackup(e, args)
	case "migrate":
		return runMigrate(e, args)
	case "forward-auth":
		return runForwardAuth(e, args)
	case "version", "-version", "--version":
		return runVersion(e, args)
	case "help", "-h", "-help", "--help":
		return runHelp(e, args)
	}
	e.errorf("unknown command %q", cmd)
	e.hintf("run \"ward help\" for the list of commands")
	return exitUsage
}

// commandUsage returns the usage text of a command, or "" if there is no
// such command.
func commandUsage(cmd string) string {
	switch cmd {
	case "keygen":
		return keygenUsage
	case "sign":
		return signUsage
	case "verify":
		return verifyUsage
	case "encrypt":
		return encryptUsage
	case "decrypt":
		return decryptUsage
	case "decode":
		return decodeUsage
	case "thumbprint":
		return thumbprintUsage
	case "serve":
		return serveUsage
	case "debug":
		return debugUsage
	case "user":
		return userUsage
	case "audit":
		return auditUsage
	case "keys":
		return keysUsage
	case "client":
		return clientUsage
	case "backup":
		return backupUsage
	case "migrate":
		return migrateUsage
	case "forward-auth":
		return forwardAuthUsage
	case "version":
		return versionUsage
	case "help":
		return helpUsage
	}
	return ""
}
