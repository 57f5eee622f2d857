package migrate

import (
	"errors"
	"fmt"
	"iter"

	"github.com/wardauth/ward/auth"
)

// sink is where [walk] sends the rows it reads: a target store's
// transaction ([importSink]) or nowhere ([drainSink]). The large
// aggregates come as sequences of rows read from the source as the sink
// consumes them, which it must do to their end.
type sink interface {
	users(iter.Seq[*auth.User]) error
	sessions(iter.Seq[*auth.Session]) error
	clients([]*auth.Client) error
	keys([]*auth.KeyRecord) error // oldest first, as [auth.KeyReader.Keys] returns them
	secrets([]secret) error
	audit(iter.Seq[auth.AuditEvent]) error
	revocations(revs iter.Seq[auth.Revocation], seq int64) error
}

// walk reads every row of rtx, aggregate by aggregate in the order of
// [Summary.Checksum] (users before sessions, as the foreign key between
// them needs), gives each to sum and sends it to out. It holds one row of
// users, sessions, audit events and revocations at a time, and every
// client, key and secret. An error of rtx, or a row out of key order, is
// a [*sourceError].
func walk(rtx auth.ReadTx, sum *summer, out sink) error {
	ex, ok := rtx.(auth.Exporter)
	if !ok {
		return ErrNoExport
	}
	sum.begin("users")
	if err := stream("users", ex.ExportUsers, sum.user, out.users); err != nil {
		return err
	}
	sum.end(&sum.sum.Users)

	sum.begin("sessions")
	if err := stream("sessions", ex.ExportSessions, sum.session, out.sessions); err != nil {
		return err
	}
	sum.end(&sum.sum.Sessions)

	sum.begin("clients")
	clients, err := rtx.Clients()
	if err != nil {
		return &sourceError{fmt.Errorf("clients: %w", err)}
	}
	sum.clients(clients)
	if err := out.clients(clients); err != nil {
		return err
	}
	sum.end(&sum.sum.Clients)

	sum.begin("keys")
	keys, err := rtx.Keys()
	if err != nil {
		return &sourceError{fmt.Errorf("keys: %w", err)}
	}
	sum.keys(keys)
	if err := out.keys(keys); err != nil {
		return err
	}
	sum.end(&sum.sum.Keys)

	sum.begin("secrets")
	names, err := rtx.SecretNames()
	if err != nil {
		return &sourceError{fmt.Errorf("secrets: %w", err)}
	}
	secrets := make([]secret, 0, len(names))
	for _, n := range names {
		sealed, err := rtx.Secret(n)
		if err != nil {
			return &sourceError{fmt.Errorf("secret %s: %w", n, err)}
		}
		secrets = append(secrets, secret{name: n, sealed: sealed})
	}
	sum.secrets(secrets)
	if err := out.secrets(secrets); err != nil {
		return err
	}
	sum.end(&sum.sum.Secrets)

	sum.begin("audit")
	if err := stream("audit events", ex.ExportAudit, sum.event, out.audit); err != nil {
		return err
	}
	sum.end(&sum.sum.AuditEvents)

	sum.begin("revocations")
	seq, err := ex.RevocationSeq()
	if err != nil {
		return &sourceError{fmt.Errorf("revocation seq: %w", err)}
	}
	err = stream("revocations", ex.ExportRevocations, sum.revocation, func(revs iter.Seq[auth.Revocation]) error {
		return out.revocations(revs, seq)
	})
	if err != nil {
		return err
	}
	sum.revocationSeq(seq)
	sum.end(&sum.sum.Revocations)
	return nil
}

// stream hands to the rows that export reads, each first given to
// note, as a sequence, and returns the first error of export or note (a
// [*sourceError]), else to's. Rows are read as to consumes them.
func stream[T any](what string, export func(func(T) error) error, note func(T) error, to func(iter.Seq[T]) error) error {
	var (
		readErr error
		done    bool // export reached its end
	)
	err := to(func(yield func(T) bool) {
		if done || readErr != nil {
			return // a sequence is read once
		}
		err := export(func(v T) error {
			if err := note(v); err != nil {
				return err
			}
			if !yield(v) {
				return errStopped
			}
			return nil
		})
		switch {
		case err == nil:
			done = true
		case !errors.Is(err, errStopped):
			readErr = err
		}
	})
	switch {
	case readErr != nil:
		return &sourceError{fmt.Errorf("%s: %w", what, readErr)}
	case err != nil:
		return err
	case !done:
		return fmt.Errorf("the target stopped reading %s before their end", what)
	}
	return nil
}

// errStopped ends an export whose consumer stopped.
var errStopped = errors.New("migrate: stopped")

// sourceError is an error of reading the source.
type sourceError struct{ err error }

func (e *sourceError) Error() string { return e.err.Error() }
func (e *sourceError) Unwrap() error { return e.err }

// importSink writes into a target transaction.
type importSink struct {
	tx  auth.Tx
	imp auth.Importer
}

func (s importSink) users(us iter.Seq[*auth.User]) error       { return s.imp.ImportUsers(us) }
func (s importSink) sessions(ss iter.Seq[*auth.Session]) error { return s.imp.ImportSessions(ss) }
func (s importSink) audit(evs iter.Seq[auth.AuditEvent]) error { return s.imp.ImportAudit(evs) }

func (s importSink) revocations(revs iter.Seq[auth.Revocation], seq int64) error {
	return s.imp.ImportRevocations(revs, seq)
}

func (s importSink) clients(cs []*auth.Client) error {
	for _, c := range cs {
		if err := s.tx.CreateClient(c); err != nil {
			return fmt.Errorf("client %s: %w", c.ID, err)
		}
	}
	return nil
}

func (s importSink) keys(ks []*auth.KeyRecord) error {
	for _, k := range ks {
		if err := s.tx.PutKey(k); err != nil {
			return fmt.Errorf("key %s: %w", k.KeyID, err)
		}
	}
	return nil
}

func (s importSink) secrets(ss []secret) error {
	for _, x := range ss {
		if err := s.tx.PutSecret(x.name, x.sealed); err != nil {
			return fmt.Errorf("secret %s: %w", x.name, err)
		}
	}
	return nil
}

// drainSink reads every row and keeps none: for [Sum].
type drainSink struct{}

func (drainSink) users(us iter.Seq[*auth.User]) error       { return drain(us) }
func (drainSink) sessions(ss iter.Seq[*auth.Session]) error { return drain(ss) }
func (drainSink) audit(evs iter.Seq[auth.AuditEvent]) error { return drain(evs) }
func (drainSink) revocations(revs iter.Seq[auth.Revocation], _ int64) error {
	return drain(revs)
}
func (drainSink) clients([]*auth.Client) error { return nil }
func (drainSink) keys([]*auth.KeyRecord) error { return nil }
func (drainSink) secrets([]secret) error       { return nil }

func drain[T any](seq iter.Seq[T]) error {
	for range seq {
	}
	return nil
}
