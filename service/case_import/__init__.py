"""Import of existing cases (nhập hồ sơ đã có) from XLSX or CSV: one row per person.

A committee that starts using Ketnap already has its cases in spreadsheets and on paper. Each row
of the template (:mod:`.columns`, written by :mod:`.template`) is read (:mod:`.reading`), turned
into the same command objects the API builds (:mod:`.rows`: ``DiscoverCandidate`` — or
``ReceiveTransferredCandidate`` for a case received from another committee — and the step
commands, in the order of the procedure) and carried out by the same handlers
(``service.commands.Handlers``), so every rule is checked at the step's business date. Many rows'
aggregates are kept in memory and saved with one ``app.save`` per batch (:mod:`.batching`): one
transaction per batch, the tenant's hash chain and notifications written by the recorders as for
any save. :mod:`.running` drives it: dry run, all-or-nothing, re-import (natural key: the case
code). Not to be confused with :mod:`service.audit.importing` (an audit history's import).
"""
