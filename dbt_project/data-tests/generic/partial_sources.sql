{#- Tests for partial sources (issue 8): a check that needs an input nobody delivered cannot
    hold, and must not fail the build for that reason alone. Each test behaves exactly like
    its dbt counterpart as soon as the input exists; rpt_data_availability lists which inputs
    exist and which answers are unavailable without them. -#}

{#- not_null, as long as the finance FX extract delivered any rate. Without FX data only
    amounts in the reporting currency convert (at 1); the others stay null by design. -#}
{% test not_null_if_fx_data(model, column_name) %}
select *
from {{ model }}
where
    {{ column_name }} is null
    and {{ fx_data_delivered() }}
{% endtest %}

{#- relationships, as long as the finance FX extract delivered any rate. -#}
{% test relationships_if_fx_data(model, column_name, to, field) %}
{{ orphan_rows(model, column_name, to, field, fx_data_delivered()) }}
{% endtest %}

{#- relationships, as long as the referenced model has any row: a reference into an extract
    that was never delivered (no User.csv, no Account.csv) cannot be checked; once the
    extract is delivered, every orphan fails. -#}
{% test relationships_if_delivered(model, column_name, to, field) %}
{{ orphan_rows(model, column_name, to, field, 'exists (select 1 from parent)') }}
{% endtest %}
