//! `kctl produce --transactional-id ID [--batch N]`: the input goes out in
//! transactions of N records (or one for all of it), each committed when
//! full and the last at the end of input. An input error, a record that
//! cannot be delivered, or Ctrl-C aborts the open transaction, so
//! read_committed consumers see whole batches or nothing.

use kctl_client::Producer;

/// The transaction state of one `kctl produce` run.
#[derive(Debug)]
pub(crate) struct Transactions {
    batch: Option<u64>,
    open_records: u64,
    pub(crate) committed_transactions: u64,
    pub(crate) committed_records: u64,
}

impl Transactions {
    /// Registers the transactional id (fencing older instances) and opens
    /// the first transaction.
    pub(crate) async fn start(producer: &Producer, batch: Option<u64>) -> anyhow::Result<Self> {
        producer.init_transactions().await?;
        producer.begin_transaction()?;
        Ok(Self {
            batch: batch.filter(|&n| n > 0),
            open_records: 0,
            committed_transactions: 0,
            committed_records: 0,
        })
    }

    /// After a record was queued: a full batch is committed and the next
    /// transaction opened.
    pub(crate) async fn record_queued(&mut self, producer: &Producer) -> anyhow::Result<()> {
        self.open_records += 1;
        if self.batch.is_some_and(|n| self.open_records >= n) {
            self.commit(producer).await?;
            producer.begin_transaction()?;
        }
        Ok(())
    }

    async fn commit(&mut self, producer: &Producer) -> anyhow::Result<()> {
        producer.commit_transaction().await?;
        self.committed_transactions += 1;
        self.committed_records += self.open_records;
        self.open_records = 0;
        Ok(())
    }

    /// Commits the open transaction, or with `abort` (or if the commit
    /// fails) aborts it. Returns how many records were aborted.
    pub(crate) async fn finish(&mut self, producer: &Producer, abort: bool) -> anyhow::Result<u64> {
        if !abort {
            match self.commit(producer).await {
                Ok(()) => return Ok(0),
                Err(e)
                    if e.downcast_ref::<kctl_client::Error>()
                        .is_some_and(kctl_client::Error::is_fatal_transaction_error) =>
                {
                    return Err(e);
                }
                Err(e) => {
                    let aborted = self.open_records;
                    producer.abort_transaction().await?;
                    return Err(e.context(format!(
                        "the transaction was aborted: its {aborted} records are not visible to read_committed consumers"
                    )));
                }
            }
        }
        let aborted = self.open_records;
        producer.abort_transaction().await?;
        self.open_records = 0;
        Ok(aborted)
    }
}
