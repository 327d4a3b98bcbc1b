"""The words of the commands that set cancelwatch up (`login`, `config`), in English and
Japanese. Every key starts with `setup_`; keys, values and paths stay as config.toml
writes them."""

from __future__ import annotations

from collections.abc import Mapping

EN: Mapping[str, str] = {
    "setup_email": "Amazon email or phone",
    "setup_password": "Password",
    "setup_totp": "TOTP secret of your authenticator app (blank if none)",
    "setup_signed_in": "signed in to {marketplace} as {email}; account {account!r} saved in {path}",
    "setup_next": "{pages} page read; run `cancelwatch check --account {account}`",
    "setup_file": "# {file}",
    "setup_file_missing": "# {file} (does not exist: all defaults)",
    "setup_from_default": "default",
    "setup_from_default_off": "default (off)",
    "setup_hidden": "(hidden)",
}

JA: Mapping[str, str] = {
    "setup_email": "Amazonのメールアドレスまたは携帯電話番号",
    "setup_password": "パスワード",
    "setup_totp": "認証アプリのTOTPシークレット（なければ空欄）",
    "setup_signed_in": (
        "{marketplace} に {email} としてサインインしました。アカウント「{account}」を {path} に"
        "保存しました。"
    ),
    "setup_next": (
        "{pages}ページを読みました。`cancelwatch check --account {account}` で確認できます。"
    ),
    "setup_file": "# {file}",
    "setup_file_missing": "# {file}（ファイルがありません。すべて既定値です）",
    "setup_from_default": "既定値",
    "setup_from_default_off": "既定値（オフ）",
    "setup_hidden": "（非表示）",
}
