"""Small helpers shared by the CloudFormation models of the add-on.

moto hands every model the resolved resource JSON (intrinsics already evaluated);
these helpers read its Properties and translate CloudFormation's PascalCase shapes
into the camelCase dicts that moto's REST-JSON backends (apigatewayv2) store as is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from operator import attrgetter
from typing import Any, ClassVar, Self

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException


def properties(cloudformation_json: Mapping[str, Any]) -> dict[str, Any]:
    """Copy of the resource's Properties (moto may share the dict across calls)."""
    return dict(cloudformation_json.get("Properties") or {})


def as_bool(value: Any) -> bool:
    """CloudFormation accepts booleans as JSON booleans or as the strings "true"/"false"."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def lower_first(key: str) -> str:
    """`JwtConfiguration` -> `jwtConfiguration` (the REST-JSON member name)."""
    return key[:1].lower() + key[1:]


def camel_keys(value: Mapping[str, Any]) -> dict[str, Any]:
    """One level of PascalCase -> camelCase; nested values are kept as they are."""
    return {lower_first(k): v for k, v in value.items()}


def pick(props: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """The given properties that are set, keyed by camelCase name."""
    return {lower_first(n): props[n] for n in names if props.get(n) is not None}


def unsupported_attribute() -> UnformattedGetAttTemplateException:
    """The exception moto turns into CloudFormation's "does not support attribute" error."""
    return UnformattedGetAttTemplateException()


class CfnModel:
    """The CloudFormationModel boilerplate, stated once and driven by class attributes.

    Not itself a CloudFormationModel: moto finds types through
    `CloudFormationModel.__subclasses__()` (direct subclasses only), so every concrete
    model names both bases, this one first: `class CfnApi(CfnModel, CloudFormationModel)`.
    moto's entry points take the resource JSON; they hand the hooks below (create, update,
    remove, attribute) its Properties, so a model states only what differs.
    """

    CFN_TYPE: ClassVar[str]
    NAME_PROPERTY: ClassVar[str] = ""  # the property CloudFormation names it by, if any
    ID_PATH: ClassVar[str]  # dotted path from the model to the id that Ref returns
    ID_ATTRIBUTE: ClassVar[str | None] = None  # the GetAtt that returns that same id
    ATTRIBUTES: ClassVar[frozenset[str]] = frozenset()  # the other GetAtts, see attribute()

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.CFN_TYPE

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.NAME_PROPERTY

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == cls.ID_ATTRIBUTE or attr in cls.ATTRIBUTES

    @property
    def physical_resource_id(self) -> str:
        return str(attrgetter(self.ID_PATH)(self))

    def get_cfn_attribute(self, attribute_name: str) -> str | None:
        if attribute_name == self.ID_ATTRIBUTE:
            return self.physical_resource_id
        if attribute_name in self.ATTRIBUTES:
            return self.attribute(attribute_name)
        raise unsupported_attribute()

    def attribute(self, name: str) -> str | None:
        """The value of a GetAtt listed in ATTRIBUTES."""
        raise unsupported_attribute()

    @classmethod
    def create(cls, name: str, props: dict[str, Any], account_id: str, region_name: str) -> Self:
        """Create the object in the moto backend (name: the physical name moto chose)."""
        raise NotImplementedError

    def update(self, name: str, props: dict[str, Any], account_id: str, region_name: str) -> Self:
        """Apply new properties; unless a model says otherwise AWS replaces the resource."""
        return self.replace(name, props, account_id, region_name)

    def replace(self, name: str, props: dict[str, Any], account_id: str, region_name: str) -> Self:
        """An update that AWS performs as a replacement: delete, then create anew."""
        self.delete(account_id, region_name)
        return self.create(name, props, account_id, region_name)

    @classmethod
    def remove(cls, account_id: str, region_name: str, resource_id: str) -> None:
        """Delete the object with this physical id from the moto backend."""
        raise NotImplementedError

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Self:
        return cls.create(resource_name, properties(cloudformation_json), account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: Self,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Self:
        props = properties(cloudformation_json)
        return original_resource.update(new_resource_name, props, account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        cls.remove_deployed(resource_name, properties(cloudformation_json), account_id, region_name)

    @classmethod
    def remove_deployed(
        cls, resource_id: str, props: dict[str, Any], account_id: str, region_name: str
    ) -> None:
        """CloudFormation deletes the resource it deployed with these properties."""
        cls.remove(account_id, region_name, resource_id)

    def delete(self, account_id: str, region_name: str) -> None:
        self.remove(account_id, region_name, self.physical_resource_id)

    def is_created(self) -> bool:
        return True


class CfnChildModel(CfnModel):
    """A resource inside a parent (an API, a user pool) that one property names.

    Deleting it removes it from its parent (remove_from, in place of remove); a parent that
    went first took it along.
    """

    PARENT_PROPERTY: ClassVar[str]  # "ApiId", "UserPoolId"

    @property
    def parent_id(self) -> str:
        raise NotImplementedError

    @classmethod
    def remove_from(
        cls, account_id: str, region_name: str, parent_id: str, resource_id: str
    ) -> None:
        """Drop the resource from its parent in the moto backend, if both are still there."""
        raise NotImplementedError

    @classmethod
    def remove_deployed(
        cls, resource_id: str, props: dict[str, Any], account_id: str, region_name: str
    ) -> None:
        parent_id = props.get(cls.PARENT_PROPERTY)
        if parent_id:
            cls.remove_from(account_id, region_name, str(parent_id), resource_id)

    def delete(self, account_id: str, region_name: str) -> None:
        self.remove_from(account_id, region_name, self.parent_id, self.physical_resource_id)
