-- depends_on: {{ ref('raw_orders_training') }}, {{ ref('raw_orders_validation') }}
select
    id as order_id,
    user_id as customer_id,
    cast(order_date as timestamp) as ordered_at,
    status
from {{ raw('orders') }}
