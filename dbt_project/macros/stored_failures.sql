{#- On-run-start of `dbt build` and `dbt test`: empty the schema of the data tests' failing
    rows (audit), so that it holds the failures of this invocation only (the tests run with
    --store-failures write their tables after this) and a test that passes now leaves no stale
    rows behind. -#}
{% macro clear_stored_failures() -%}
    {%- if execute and flags.WHICH in ('build', 'test') -%}
        {%- set audit = api.Relation.create(
            database=(target.database if target.database is defined else none),
            schema=generate_schema_name('audit', none),
        ) -%}
        {%- do adapter.drop_schema(audit) -%}
        {%- do adapter.create_schema(audit) -%}
    {%- endif -%}
{%- endmacro %}
