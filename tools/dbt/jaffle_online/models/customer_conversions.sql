-- Single-touch attribution: each customer's first order and the latest session before it
-- within the conversion window, with the ad's platform.
with first_orders as (
    select customer_id, min(ordered_at) as first_ordered_at
    from {{ ref('stg_orders') }}
    group by 1
),
touches as (
    select
        o.customer_id,
        o.first_ordered_at,
        s.session_id,
        s.platform,
        s.utm_source,
        s.ad_id,
        s.started_at,
        row_number() over (partition by o.customer_id order by s.started_at desc, s.session_id) as latest
    from first_orders o
    join {{ ref('stg_sessions') }} s
      on s.customer_id = o.customer_id
     and s.started_at <= o.first_ordered_at
     and s.started_at >= o.first_ordered_at - interval '{{ var("conversion_window_days") }} day'
)
select
    customer_id,
    first_ordered_at,
    session_id,
    platform,
    utm_source,
    ad_id,
    date_diff('hour', started_at, first_ordered_at) as hours_to_order
from touches
where latest = 1
