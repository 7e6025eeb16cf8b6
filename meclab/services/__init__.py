"""The ETSI MEC service APIs, one package per API.

Each package has its models (the API's bodies), its routes (northbound) and an adapter onto
the engine and the platform core (southbound). :mod:`.hosting` serves an API on every MEC host.
"""
