"""What people read: charts, the funding-bid report and its manifest. Imports from
:mod:`sim.experiments` and below."""
