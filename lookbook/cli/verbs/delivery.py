"""The ``delivery`` verbs' arguments; their handlers are in :mod:`lookbook.cli.delivery`, imported when one runs."""

from __future__ import annotations

import argparse

from lookbook.cli.verbs.choices import EMAIL_SECURITY, REACHABILITY_CHANNELS


def add_outbox_verbs(verbs: argparse._SubParsersAction) -> None:
    """Add ``send``, ``retry``, ``offer`` and ``replies`` to the ``outbox`` verb group."""
    p = verbs.add_parser("send", help="send the approved messages (exactly once; safe to stop and run again)")
    p.add_argument("message_ids", type=int, nargs="*", metavar="MESSAGE", help="only these messages")
    p.add_argument("--no-wait", action="store_true",
                   help="stop a channel whose rate limit is used up instead of waiting for the reset")
    p.add_argument("--json", action="store_true", help="print one JSON object per step, then the report")
    p.set_defaults(handler="lookbook.cli.delivery:cmd_send")

    p = verbs.add_parser("retry", help="queue failed (retryable) messages again for the next send")
    p.add_argument("message_ids", type=int, nargs="+", metavar="MESSAGE")
    p.set_defaults(handler="lookbook.cli.delivery:cmd_retry")

    p = verbs.add_parser("offer", help="offer a message that X refused on the customer's next channel "
                                       "(a new message, submitted for approval)")
    p.add_argument("message_id", type=int, metavar="MESSAGE")
    p.set_defaults(handler="lookbook.cli.delivery:cmd_offer")

    p = verbs.add_parser("replies", help="fetch customers' replies to DMs and texts (STOP withdraws consent at once)")
    p.add_argument("--json", action="store_true", help="print one JSON object per new reply")
    p.set_defaults(handler="lookbook.cli.delivery:cmd_replies")

    p = verbs.add_parser("whatsapp-webhook",
                         help="receive WhatsApp messages and delivery statuses (Meta's webhook) until Ctrl+C; "
                              "expose the port through a tunnel or reverse proxy (README)")
    p.add_argument("--port", type=int, default=8787, help="port to listen on (default 8787)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: only the tunnel or proxy on this computer)")
    p.add_argument("--path", default="/whatsapp", help="the path of the callback URL (default /whatsapp)")
    p.add_argument("--json", action="store_true", help="print one JSON object per stored batch")
    p.set_defaults(handler="lookbook.cli.delivery:cmd_whatsapp_webhook")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``delivery`` verb group (sign-in and mail server)."""
    group = subparsers.add_parser("delivery", help="X sign-in, mail server and delivery status")
    verbs = group.add_subparsers(dest="delivery_command", metavar="VERB")
    verbs.required = True

    p = verbs.add_parser("status", help="show the X account, the mail server and any rate-limit wait")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler="lookbook.cli.delivery:cmd_status")

    p = verbs.add_parser("x-app", help="record the X app's OAuth 2.0 client id (from the X developer portal)")
    p.add_argument("client_id")
    p.add_argument("--port", type=int, default=0,
                   help="loopback port for the sign-in redirect, as registered with X (default: any free port)")
    p.add_argument("--confidential", action="store_true",
                   help="the app is confidential: ask for its client secret ($LOOKBOOK_X_CLIENT_SECRET)")
    p.set_defaults(handler="lookbook.cli.delivery:cmd_x_app")

    p = verbs.add_parser("x-sign-in", help="sign in to X in the browser (OAuth 2.0 with PKCE)")
    p.add_argument("--no-browser", action="store_true", help="print the address instead of opening a browser")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the browser (default 300)")
    p.set_defaults(handler="lookbook.cli.delivery:cmd_x_sign_in")

    p = verbs.add_parser("x-tokens", help="use OAuth 1.0a user tokens instead (asked for, or from "
                                          "$LOOKBOOK_X_CONSUMER_KEY, _CONSUMER_SECRET, _ACCESS_TOKEN, "
                                          "_ACCESS_TOKEN_SECRET)")
    p.set_defaults(handler="lookbook.cli.delivery:cmd_x_tokens")

    p = verbs.add_parser("x-sign-out", help="forget this library's X tokens")
    p.set_defaults(handler="lookbook.cli.delivery:cmd_x_sign_out")

    p = verbs.add_parser("email", help="set the mail server (password asked for, or $LOOKBOOK_SMTP_PASSWORD)")
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int)
    p.add_argument("--security", choices=EMAIL_SECURITY, default="starttls")
    p.add_argument("--from", dest="from_address", required=True, help="the address customers see")
    p.add_argument("--from-name", default="", help="the name customers see")
    p.add_argument("--username", default="", help="sign-in name on the server (none: no sign-in)")
    p.set_defaults(handler="lookbook.cli.delivery:cmd_email")

    p = verbs.add_parser("sms", help="set the Twilio account for SMS (auth token asked for, or "
                                     "$LOOKBOOK_TWILIO_AUTH_TOKEN)")
    p.add_argument("--account-sid", required=True, help="the Account SID from the Twilio console (AC...)")
    sender = p.add_mutually_exclusive_group(required=True)
    sender.add_argument("--messaging-service", default="", help="the Messaging Service SID to send from (MG...)")
    sender.add_argument("--from", dest="from_number", default="", help="or the sender number (+E.164)")
    p.add_argument("--country", help="the store's country (US, GB): phone numbers written without + are read in it")
    p.add_argument("--media-url", default="", help="public https:// folder where the cards are published, "
                                                   "for MMS (none: a text naming the products and sizes)")
    p.set_defaults(handler="lookbook.cli.delivery:cmd_sms")

    p = verbs.add_parser("whatsapp", help="set the WhatsApp Business number (Cloud API; access token asked for, "
                                          "or $LOOKBOOK_WHATSAPP_TOKEN)")
    p.add_argument("--phone-number-id", required=True, help="the business number's id from WhatsApp Manager")
    p.add_argument("--waba-id", required=True, help="the WhatsApp Business Account id")
    p.add_argument("--template", required=True, help="the approved template for first contact (image header; "
                                                     "body {{1}} first name, {{2}} the message)")
    p.add_argument("--language", default="en_US", help="the template's language code (default en_US)")
    p.set_defaults(handler="lookbook.cli.delivery:cmd_whatsapp")

    p = verbs.add_parser("credentials", help="enter a channel's credentials, field by field as the channel lists "
                                             "them (secrets asked for, or from $LOOKBOOK_<CHANNEL>_<FIELD>, and "
                                             "kept only in the system keyring)")
    p.add_argument("channel", choices=list(REACHABILITY_CHANNELS))
    p.add_argument("--set", dest="values", action="append", default=[], metavar="FIELD=VALUE",
                   help="a field that is not secret (repeat for more)")
    p.add_argument("--secret", dest="secrets", action="append", default=[], metavar="FIELD",
                   help="a secret to enter now (repeat for more; default: those not entered yet)")
    p.add_argument("--show", action="store_true", help="list the fields and which are entered, change nothing")
    p.add_argument("--json", action="store_true", help="with --show: print JSON")
    p.set_defaults(handler="lookbook.cli.delivery:cmd_credentials")

    p = verbs.add_parser("store", help="the store's name, postal address and unsubscribe address shown in every "
                                       "e-mail (e-mail is not sent without a postal address)")
    p.add_argument("--name", help="the store's name")
    p.add_argument("--address", help="the postal address (use \\n between lines)")
    p.add_argument("--unsubscribe", help="mailto:stop@yourstore.com or an https:// one-click link")
    p.set_defaults(handler="lookbook.cli.delivery:cmd_store")

    p = verbs.add_parser("reachable", help="try a channel again for a customer X had refused")
    p.add_argument("customer_id", type=int, metavar="CUSTOMER")
    p.add_argument("channel", choices=list(REACHABILITY_CHANNELS))
    p.add_argument("--note", required=True, help="why (e.g. 'follows us now')")
    p.set_defaults(handler="lookbook.cli.delivery:cmd_reachable")

