{#- The seed of `kind` (customers, orders, payments, signups) the run reads: the training
    file, or the validation file when var('validation') is true. Each model names both in a
    depends_on comment, so dbt knows either may be read. -#}
{% macro raw(kind) -%}
  {%- if var('validation') in [true, 'true', 'True', 1, '1'] -%}
    {{ ref('raw_' ~ kind ~ '_validation') }}
  {%- else -%}
    {{ ref('raw_' ~ kind ~ '_training') }}
  {%- endif -%}
{%- endmacro %}
