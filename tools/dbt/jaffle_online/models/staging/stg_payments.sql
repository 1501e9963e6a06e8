-- depends_on: {{ ref('raw_payments_training') }}, {{ ref('raw_payments_validation') }}
select
    id as payment_id,
    order_id,
    payment_method,
    amount / 100.0 as amount
from {{ raw('payments') }}
