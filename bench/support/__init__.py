"""Shared helpers of the benchmarks, one module per subject.

* env: paths of the repository and virtualenv, the test servers' addresses, ports, load average.
* report: the human lines, the JSON last line and the exit status of every benchmark.
* conf: the configuration directory of a run (system/database/manager ini, uWSGI settings).
* stores: a fresh MariaDB database and Elasticsearch index prefix, removed afterwards.
* procs: processes this benchmark starts (uWSGI services, CLIs) and /proc readings.
* services: the A-Ops stack under uWSGI (data center + manager), started and stopped.
* client: the manager's public API over plain HTTP, and the fleets of hosts to store.
* stats: percentiles and the CPU accounting of processes during a measured run.
* wrk: the wrk load generator with bench/wrk_host_get.lua.

Every benchmark builds what it needs from scratch and tears it down again, also when it fails.
"""
