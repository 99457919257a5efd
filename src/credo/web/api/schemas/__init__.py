"""The API's response schemas, one module per domain (``schemas/<domain>.py``): what each
route answers, declared on its decorator (``response_model=``) so that the OpenAPI document
describes every answer (tests/api/test_response_models.py, tests/api/test_generated_client.py).

A schema reuses the domain's own pydantic model where one exists (the catalogue's models);
otherwise it describes the domain function's answer field by field. Schemas are strict
(``common.Strict``): a route that answers a key its schema does not declare fails loudly
instead of losing the key. Request bodies stay with their routers."""
