{#- Spark: NOT NULL constraints of model contracts. Spark enforces them only on v2 tables
    (Delta, Iceberg); on the Parquet tables this project builds by default, ALTER COLUMN ...
    SET NOT NULL is an error. There the constraint is skipped with a log line, and the
    not_null data test every constrained column also carries does the checking. The contract's
    names and data types are enforced either way. -#}
{% macro spark__alter_column_set_constraints(relation, column_dict) %}
    {%- set file_format = config.get('file_format', 'parquet') -%}
    {%- if file_format in ['delta', 'iceberg'] -%}
        {{ return(spark__alter_column_set_constraints_v2(relation, column_dict)) }}
    {%- endif -%}
    {%- for column_name in column_dict -%}
        {%- for constraint in column_dict[column_name]['constraints'] -%}
            {%- if constraint.type == 'not_null' -%}
                {%- do log(
                    relation ~ '.' ~ column_name ~ ': not_null is checked by a data test ('
                    ~ file_format ~ ' tables cannot enforce it)'
                ) -%}
            {%- else -%}
                {%- do exceptions.warn(
                    'Invalid constraint for column ' ~ column_name ~ '. Only `not_null` is supported.'
                ) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
{% endmacro %}

{% macro spark__alter_column_set_constraints_v2(relation, column_dict) %}
    {%- for column_name in column_dict -%}
        {%- for constraint in column_dict[column_name]['constraints'] -%}
            {%- if constraint.type == 'not_null' -%}
                {%- set quoted_name = adapter.quote(column_name) if column_dict[column_name]['quote'] else column_name -%}
                {%- call statement() -%}
                    alter table {{ relation }} change column {{ quoted_name }} set not null
                {%- endcall -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
{% endmacro %}
