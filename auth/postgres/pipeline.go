package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pipeline is one transaction on a connection of the pool, sent in as few
// round trips as its statements allow. Every round trip to PostgreSQL
// costs a wake-up of its backend and of the instance; a refresh used to
// make six (BEGIN, lock the session, read the user, update, audit,
// COMMIT) and makes two:
//
//   - BEGIN is not sent alone: it goes out in one pipeline with the
//     transaction's first statement;
//   - writes whose outcome nothing reads inside the transaction (see
//     [pipeline.later]) wait, and go out with the next statement or with
//     COMMIT; a failure of one of them fails that statement or the
//     commit, so nothing is acknowledged that was not committed;
//   - a read-write transaction that sent nothing commits without a round
//     trip.
//
// A pipeline (pgx's [pgx.Batch]) ends with one Sync; after an explicit
// BEGIN its statements run in that transaction, and a failure skips the
// rest of the pipeline and leaves the transaction aborted, so COMMIT
// never runs after a failed write.
type pipeline struct {
	conn    *pgxpool.Conn
	begin   string               // the BEGIN statement, until it is sent
	pending []func(b *pgx.Batch) // writes that wait for the next round trip
}

// acquire takes a connection from the pool for a transaction that begin
// starts.
func acquire(ctx context.Context, pool *pgxpool.Pool, begin string) (*pipeline, error) {
	c, err := pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	return &pipeline{conn: c, begin: begin}, nil
}

// send runs, in one round trip, BEGIN if it was not sent yet, the pending
// writes, and what queue adds to the batch. It returns the first error,
// of PostgreSQL or of a callback of the batch.
func (p *pipeline) send(ctx context.Context, queue func(b *pgx.Batch)) error {
	b := &pgx.Batch{}
	if p.begin != "" {
		b.Queue(p.begin)
		p.begin = ""
	}
	for _, w := range p.pending {
		w(b)
	}
	p.pending = p.pending[:0]
	queue(b)
	return p.conn.SendBatch(ctx, b).Close()
}

// later queues a write for the next round trip. Only writes whose
// failure nothing in the transaction branches on may wait: their error is
// the next statement's or the commit's.
func (p *pipeline) later(w func(b *pgx.Batch)) { p.pending = append(p.pending, w) }

// errCommitRolledBack: COMMIT answered ROLLBACK, the transaction had
// failed.
var errCommitRolledBack = errors.New("the transaction was rolled back at commit")

// commit sends the pending writes and COMMIT in one round trip; nothing if
// the transaction sent no statement and has no pending write.
func (p *pipeline) commit(ctx context.Context) error {
	if p.begin != "" && len(p.pending) == 0 {
		return nil
	}
	var tag pgconn.CommandTag
	err := p.send(ctx, func(b *pgx.Batch) {
		b.Queue("COMMIT").Exec(func(ct pgconn.CommandTag) error {
			tag = ct
			return nil
		})
	})
	if err == nil && tag.String() != "COMMIT" {
		err = errCommitRolledBack
	}
	return err
}

// close ends the transaction if it is still open (ROLLBACK; a read-only
// transaction ends this way too) and returns the connection to the pool,
// which closes it instead if it is broken or still in a transaction.
func (p *pipeline) close(ctx context.Context) {
	if p.conn.Conn().PgConn().TxStatus() != 'I' {
		_, _ = p.conn.Exec(ctx, "ROLLBACK") // if this fails, Release closes the connection
	}
	p.conn.Release()
}

// exec runs one statement.
func (p *pipeline) exec(ctx context.Context, query string, args ...any) (pgconn.CommandTag, error) {
	var tag pgconn.CommandTag
	err := p.send(ctx, func(b *pgx.Batch) {
		b.Queue(query, args...).Exec(func(ct pgconn.CommandTag) error {
			tag = ct
			return nil
		})
	})
	return tag, err
}

// queryRow runs query and scan reads its row (pgx.ErrNoRows if none).
func (p *pipeline) queryRow(ctx context.Context, scan func(pgx.Row) error, query string, args ...any) error {
	return p.send(ctx, func(b *pgx.Batch) { b.Queue(query, args...).QueryRow(scan) })
}

// query runs query and each reads its rows.
func (p *pipeline) query(ctx context.Context, each func(pgx.Rows) error, query string, args ...any) error {
	return p.send(ctx, func(b *pgx.Batch) { b.Queue(query, args...).Query(each) })
}

// copyFrom sends what is pending (and BEGIN), then rows into table with
// COPY: for bulk loads inside a transaction.
func (t *tx) copyFrom(table pgx.Identifier, cols []string, rows pgx.CopyFromSource) (int64, error) {
	t.wrote()
	if t.p.begin != "" || len(t.p.pending) > 0 {
		if err := t.p.send(t.ctx, func(*pgx.Batch) {}); err != nil {
			return 0, err
		}
	}
	return t.p.conn.CopyFrom(t.ctx, table, cols, rows)
}
